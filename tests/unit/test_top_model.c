/* --top's model: the two sides of a local connection are two entries with
 * their own bytes; sniffed records that came before the socket become its
 * side; process keys only go to the side they belong to; rates from the
 * records' timestamps; a reused tuple after a close is a new connection;
 * folding old closed connections keeps the totals; the live filter sees
 * merged keys. */
#include <stdlib.h>

#include "check.h"
#include "rec.h"
#include "../../cmd/pp-fmt/top_model.h"

static void feed(struct tmodel *m, const char *line)
{
	struct rec r;
	const char *err;
	rec_init(&r);
	if (rec_parse(&r, line, strlen(line), &err) == 0)
		tm_record(m, &r);
	else
		fprintf(stderr, "bad test record: %s\n", line);
	rec_free(&r);
}

#define TUP "\"proto\":\"tcp\",\"src\":\"127.0.0.1\",\"sport\":33000,\"dst\":\"127.0.0.1\",\"dport\":8443,\"community_id\":\"1:x\""

static struct tconn *side(struct tmodel *m, int s)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->c[i]->side == s && !m->c[i]->retired)
			return m->c[i];
	return NULL;
}

int main(void)
{
	struct tmodel m;
	struct tconn *o, *i;
	char line[512];

	CASE("local<->local: one entry per side, bytes on the right side");
	tm_init(&m);
	feed(&m, "{\"type\":\"sock\",\"ts\":10,\"event\":\"connect\",\"dir\":\"out\"," TUP ",\"pid\":1,\"comm\":\"curl\"}");
	feed(&m, "{\"type\":\"sock\",\"ts\":10.1,\"event\":\"accept\",\"dir\":\"in\"," TUP ",\"pid\":2,\"comm\":\"nginx\"}");
	feed(&m, "{\"type\":\"sock\",\"ts\":11,\"event\":\"update\",\"dir\":\"out\"," TUP ",\"tx_bytes\":100,\"rx_bytes\":5000,\"pid\":1,\"comm\":\"curl\"}");
	feed(&m, "{\"type\":\"sock\",\"ts\":11,\"event\":\"update\",\"dir\":\"in\"," TUP ",\"tx_bytes\":5000,\"rx_bytes\":100,\"pid\":2,\"comm\":\"nginx\"}");
	feed(&m, "{\"type\":\"tls\",\"ts\":10.2," TUP ",\"sni\":\"localhost\",\"pid\":1,\"comm\":\"curl\"}");
	CHECK(m.n == 2);
	o = side(&m, SIDE_OUT), i = side(&m, SIDE_IN);
	CHECK(o && i);
	if (o && i) {
		CHECK(o->tx == 100 && o->rx == 5000);
		CHECK(i->tx == 5000 && i->rx == 100);
		CHECK_STR(tc_get(o, "comm"), "curl");
		CHECK_STR(tc_get(i, "comm"), "nginx");
		/* The ClientHello is curl's: its process keys stay off nginx's side. */
		CHECK_STR(tc_get(o, "sni"), "localhost");
		CHECK_STR(tc_get(i, "sni"), "localhost");
		CHECK_STR(tc_get(i, "pid"), "2");
		/* Rate: 5000 bytes between ts 10 (start) and 11. */
		CHECK(o->down > 4999 && o->down < 5001);
	}
	/* The same again: totals only grow, nothing counted twice. */
	feed(&m, "{\"type\":\"sock\",\"ts\":12,\"event\":\"close\",\"dir\":\"out\"," TUP ",\"state\":\"CLOSE\",\"tx_bytes\":100,\"rx_bytes\":5000,\"pid\":1,\"comm\":\"curl\"}");
	o = side(&m, SIDE_OUT);
	CHECK(o && o->tx == 100 && o->rx == 5000 && o->closed && o->down == 0);
	CASE("a reused tuple after the close is a new connection");
	feed(&m, "{\"type\":\"sock\",\"ts\":20,\"event\":\"connect\",\"dir\":\"out\"," TUP ",\"pid\":3,\"comm\":\"wget\"}");
	CHECK(m.n == 3);
	tm_free(&m);

	CASE("sniffed records first: the socket takes their entry, turned round");
	tm_init(&m);
	feed(&m, "{\"type\":\"flow\",\"ts\":10,\"event\":\"start\"," TUP ",\"orig_bytes\":60,\"resp_bytes\":0}");
	feed(&m, "{\"type\":\"flow\",\"ts\":11,\"event\":\"update\"," TUP ",\"orig_bytes\":160,\"resp_bytes\":9000}");
	feed(&m, "{\"type\":\"sock\",\"ts\":11.5,\"event\":\"accept\",\"dir\":\"in\"," TUP ",\"pid\":2,\"comm\":\"nginx\"}");
	CHECK(m.n == 1);
	i = side(&m, SIDE_IN);
	CHECK(i && i->tx == 9000 && i->rx == 160);
	CHECK(i && !strcmp(tc_get(i, "comm"), "nginx"));
	/* And a connecting socket of the same tuple is still its own side. */
	feed(&m, "{\"type\":\"sock\",\"ts\":11.6,\"event\":\"connect\",\"dir\":\"out\"," TUP ",\"pid\":1,\"comm\":\"curl\"}");
	CHECK(m.n == 2);
	tm_free(&m);

	CASE("wire counts of an accepted connection: the responder sends resp_bytes");
	tm_init(&m);
	feed(&m, "{\"type\":\"sock\",\"ts\":10,\"event\":\"accept\",\"dir\":\"in\"," TUP ",\"pid\":2,\"comm\":\"nginx\"}");
	feed(&m, "{\"type\":\"flow\",\"ts\":11,\"event\":\"update\"," TUP ",\"orig_bytes\":10,\"resp_bytes\":700,\"pid\":2,\"comm\":\"nginx\"}");
	i = side(&m, SIDE_IN);
	CHECK(i && i->tx == 700 && i->rx == 10);
	CASE("the live filter sees merged keys and the state");
	{
		struct filter f = {0};
		int col;
		char err[128];
		CHECK(filter_parse(&f, "process:nginx state:ESTAB,accept,- port:8443", &col, err, sizeof(err)) == 0);
		tm_filter(&m, &f);
		CHECK(i && i->match == 1);
		filter_free(&f);
		CHECK(filter_parse(&f, "sni:example.com", &col, err, sizeof(err)) == 0);
		tm_filter_reset(&m);
		tm_filter(&m, &f);
		CHECK(i && i->match == 0);
		filter_free(&f);
	}
	tm_free(&m);

	CASE("every member merged with its own value; of a repeated key the last wins");
	tm_init(&m);
	feed(&m, "{\"type\":\"sock\",\"event\":\"connect\",\"dir\":\"out\"," TUP
	         ",\"comm\":\"first\",\"sni\":\"a.example\",\"alpn\":[\"h2\",\"http/1.1\"],"
	         "\"comm\":\"last\",\"k\\u0065y\":\"escaped\"}");
	o = side(&m, SIDE_OUT);
	CHECK(o != NULL);
	if (o) {
		CHECK_STR(tc_get(o, "comm"), "last");
		CHECK_STR(tc_get(o, "sni"), "a.example");
		CHECK_STR(tc_get(o, "alpn"), "h2;http/1.1");
		CHECK_STR(tc_get(o, "key"), "escaped");
	}
	tm_free(&m);

	CASE("folding old closed connections keeps the totals");
	tm_init(&m);
	for (int k = 0; k < 25000; k++) {
		snprintf(line, sizeof(line),
		         "{\"type\":\"sock\",\"ts\":%d,\"event\":\"close\",\"dir\":\"out\",\"proto\":\"tcp\","
		         "\"src\":\"10.0.0.1\",\"sport\":%d,\"dst\":\"10.0.%d.2\",\"dport\":443,"
		         "\"tx_bytes\":1,\"rx_bytes\":10,\"pid\":%d,\"comm\":\"c%d\"}",
		         k, 1024 + k % 60000, k / 60000, 100 + k % 3, k % 3);
		feed(&m, line);
	}
	{
		double tx = 0, rx = 0;
		unsigned long conns = 0;
		for (size_t k = 0; k < m.n; k++) {
			tx += m.c[k]->tx;
			rx += m.c[k]->rx;
			conns += m.c[k]->retired ? m.c[k]->folded : 1;
		}
		CHECK(m.n <= 20001);
		CHECK(m.evicted > 0);
		CHECK(tx == 25000 && rx == 250000);
		CHECK(conns == 25000);
	}
	tm_free(&m);
	return check_done("unit/top_model");
}
