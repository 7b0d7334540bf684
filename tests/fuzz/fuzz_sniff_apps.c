// uses: cmd/pp-sniff/engine.c cmd/pp-sniff/link.c cmd/pp-sniff/ip.c cmd/pp-sniff/frag.c cmd/pp-sniff/flow.c cmd/pp-sniff/stream.c cmd/pp-sniff/app.c cmd/pp-sniff/record.c cmd/pp-sniff/dissect_table.c cmd/pp-sniff/dns.c cmd/pp-sniff/http.c cmd/pp-sniff/ssh.c cmd/pp-sniff/tls.c cmd/pp-sniff/tls_hello.c cmd/pp-sniff/ja4.c cmd/pp-sniff/quic.c cmd/pp-sniff/quic_crypto.c cmd/pp-sniff/textproto.c cmd/pp-sniff/smtp.c cmd/pp-sniff/imap.c cmd/pp-sniff/pop3.c cmd/pp-sniff/ftp.c cmd/pp-sniff/dhcp.c cmd/pp-sniff/stun.c cmd/pp-sniff/ssdp.c cmd/pp-sniff/ntp.c cmd/pp-sniff/sip.c cmd/pp-sniff/mqtt.c cmd/pp-sniff/bittorrent.c cmd/pp-sniff/quic_google.c cmd/pp-sniff/preamble.c
/* The same packets as fuzz_sniff_packets, through the real dissectors: the
 * core and the dissectors together (stream offsets, STARTTLS, last calls,
 * wrong guesses, QUIC over any UDP port). Seeds: those of
 * fuzz_sniff_packets (scripts/fuzz.sh reads tests/fuzz/seeds/fuzz_sniff_apps,
 * a link to them). */
#define FUZZ_REAL_DISSECTORS
#include "fuzz_sniff_packets.c"
