/*
 * swar: eight bytes at a time in a 64-bit word, for the scanners of JSON
 * strings (jscan, jsonx_str), which spend most of cwl-tail's time on
 * runs of bytes that need nothing done. Each test says only whether a
 * byte of the word matches; the caller finds which one byte by byte.
 */
#ifndef CWL_SWAR_H
#define CWL_SWAR_H

#include <stdint.h>
#include <string.h>

#define SWAR_ONES 0x0101010101010101ULL
#define SWAR_HIGHS 0x8080808080808080ULL

/* Returns the eight bytes at p, which need no alignment. */
static inline uint64_t
swar_load(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Returns nonzero if a byte of v is c. */
static inline uint64_t
swar_has(uint64_t v, unsigned char c)
{
	v ^= SWAR_ONES * c;
	return (v - SWAR_ONES) & ~v & SWAR_HIGHS;
}

/* Returns nonzero if a byte of v is below c (c at most 128). */
static inline uint64_t
swar_below(uint64_t v, unsigned char c)
{
	return (v - SWAR_ONES * c) & ~v & SWAR_HIGHS;
}

#endif
