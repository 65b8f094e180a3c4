# Bats helper for test certificates (tests/servers/mkca.sh), sourced by
# tests/helpers.bash.

# tls_make_ca [DIR]: make a test CA and certificates in DIR (default: a
# "tls" directory beside the test's files) and export their paths:
# TLS_CA, TLS_CERT and TLS_KEY (the server's, for 127.0.0.1 and
# localhost), TLS_WRONGHOST_CERT and TLS_WRONGHOST_KEY (for another name),
# TLS_CLIENT_CERT and TLS_CLIENT_KEY (a client certificate by TLS_CA),
# TLS_OTHER_CA (a CA nobody trusts), TLS_OTHER_CLIENT_CERT and
# TLS_OTHER_CLIENT_KEY (a client certificate by TLS_OTHER_CA).
tls_make_ca() {
	local dir="${1:-$(_srv_dir)/tls}"
	sh "$REPO/tests/servers/mkca.sh" "$dir" || return 1
	export TLS_CA="$dir/ca.pem"
	export TLS_CERT="$dir/server.pem" TLS_KEY="$dir/server.key"
	export TLS_WRONGHOST_CERT="$dir/wronghost.pem"
	export TLS_WRONGHOST_KEY="$dir/wronghost.key"
	export TLS_CLIENT_CERT="$dir/client.pem" TLS_CLIENT_KEY="$dir/client.key"
	export TLS_OTHER_CA="$dir/other-ca.pem"
	export TLS_OTHER_CLIENT_CERT="$dir/other-client.pem"
	export TLS_OTHER_CLIENT_KEY="$dir/other-client.key"
}
