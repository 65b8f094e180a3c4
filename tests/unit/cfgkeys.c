/*
 * cfgkeys: prints the configuration schema (lib/config_keys.c), one key
 * a line as "KEY<TAB>TYPE<TAB>DESCRIPTION<TAB>DEFAULT", for tests/config-reference.bats
 * and tests/gen-config-reference.sh. Takes no arguments; exits 0, or 2
 * when given any.
 */
#include <stdio.h>

#include "config.h"

int
main(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "usage: cfgkeys\n");
		return 2;
	}
	(void)argv;
	cfg_schema_print(stdout);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("cfgkeys: error: write stdout");
		return 1;
	}
	return 0;
}
