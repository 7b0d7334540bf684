/* DNS mnemonics both ways. See dnsnames.h. */
#include "dnsnames.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pp.h"

static const struct { uint16_t t; const char *s; } types[] = {
	{1, "A"}, {2, "NS"}, {5, "CNAME"}, {6, "SOA"}, {12, "PTR"}, {13, "HINFO"},
	{15, "MX"}, {16, "TXT"}, {17, "RP"}, {18, "AFSDB"}, {24, "SIG"}, {25, "KEY"},
	{28, "AAAA"}, {29, "LOC"}, {33, "SRV"}, {35, "NAPTR"}, {36, "KX"}, {37, "CERT"},
	{39, "DNAME"}, {41, "OPT"}, {42, "APL"}, {43, "DS"}, {44, "SSHFP"},
	{45, "IPSECKEY"}, {46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"}, {49, "DHCID"},
	{50, "NSEC3"}, {51, "NSEC3PARAM"}, {52, "TLSA"}, {53, "SMIMEA"}, {55, "HIP"},
	{59, "CDS"}, {60, "CDNSKEY"}, {61, "OPENPGPKEY"}, {62, "CSYNC"}, {63, "ZONEMD"},
	{64, "SVCB"}, {65, "HTTPS"}, {99, "SPF"}, {108, "EUI48"}, {109, "EUI64"},
	{249, "TKEY"}, {250, "TSIG"}, {251, "IXFR"}, {252, "AXFR"}, {255, "ANY"},
	{256, "URI"}, {257, "CAA"},
};

static const char *const rcodes[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
};

static const struct { uint16_t c; const char *s; } classes[] = {
	{1, "IN"}, {3, "CH"}, {4, "HS"}, {254, "NONE"}, {255, "ANY"},
};

const char *pp_dns_type_name(uint16_t t, char *buf, size_t len)
{
	for (size_t i = 0; i < PP_ARRAY_LEN(types); i++)
		if (types[i].t == t)
			return types[i].s;
	snprintf(buf, len, "TYPE%u", t);
	return buf;
}

const char *pp_dns_rcode_name(unsigned rc, char *buf, size_t len)
{
	if (rc < PP_ARRAY_LEN(rcodes))
		return rcodes[rc];
	snprintf(buf, len, "RCODE%u", rc);
	return buf;
}

const char *pp_dns_class_name(uint16_t cl, char *buf, size_t len)
{
	for (size_t i = 0; i < PP_ARRAY_LEN(classes); i++)
		if (classes[i].c == cl)
			return classes[i].s;
	snprintf(buf, len, "CLASS%u", cl);
	return buf;
}

/* "<prefix><decimal>" within [0, max], else -1. */
static long generic(const char *s, const char *prefix, long max)
{
	size_t n = strlen(prefix);
	long long v;
	const char *err;
	if (strncmp(s, prefix, n) || pp_parse_ll(s + n, 0, max, &v, &err) < 0)
		return -1;
	return (long)v;
}

long pp_dns_type_num(const char *name)
{
	for (size_t i = 0; i < PP_ARRAY_LEN(types); i++)
		if (!strcmp(types[i].s, name))
			return types[i].t;
	return generic(name, "TYPE", 65535);
}

long pp_dns_class_num(const char *name)
{
	for (size_t i = 0; i < PP_ARRAY_LEN(classes); i++)
		if (!strcmp(classes[i].s, name))
			return classes[i].c;
	return generic(name, "CLASS", 65535);
}

long pp_dns_rcode_num(const char *name)
{
	for (size_t i = 0; i < PP_ARRAY_LEN(rcodes); i++)
		if (!strcmp(rcodes[i], name))
			return (long)i;
	return generic(name, "RCODE", 4095);
}
