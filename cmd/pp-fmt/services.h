/* Port <-> service names, from /etc/services (or $PP_SERVICES), with a
 * built-in table of common ports when that file cannot be read. */
#ifndef PP_FMT_SERVICES_H
#define PP_FMT_SERVICES_H

/* Name of port for proto ("tcp", "udp"; NULL or anything else: tcp), or
 * NULL when the port has no name for that protocol. */
const char *svc_name(unsigned port, const char *proto);
/* Port of a service name (any protocol), or -1. */
int svc_port(const char *name);

#endif
