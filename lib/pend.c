#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pend.h"

struct pend_slot {
	uint64_t id, start;
	int used;
};

void
pend_init(struct pend *p, size_t max)
{
	memset(p, 0, sizeof(*p));
	p->max = max;
}

void
pend_free(struct pend *p)
{
	free(p->slot);
	p->slot = NULL;
	p->n = p->mask = 0;
}

static size_t
home(const struct pend *p, uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 20) & p->mask;
}

/* the slot of stream id, or the free one it would take */
static size_t
pos(const struct pend *p, uint64_t id)
{
	size_t i = home(p, id);

	while (p->slot[i].used && p->slot[i].id != id)
		i = (i + 1) & p->mask;
	return i;
}

int
pend_put(struct pend *p, uint64_t id, uint64_t start)
{
	size_t i, sz;

	if (p->slot == NULL) {
		for (sz = 64; sz < p->max * 4; sz *= 2)
			;
		if ((p->slot = calloc(sz, sizeof(*p->slot))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		p->mask = sz - 1;
	}
	i = pos(p, id);
	if (p->slot[i].used)
		return 0;	/* the earlier start stays */
	if ((p->n + 1) * 2 > p->mask + 1) {
		/* full: forget them all (a gap to a collector, not a loss) */
		memset(p->slot, 0, (p->mask + 1) * sizeof(*p->slot));
		p->n = 0;
		p->dropped++;
		i = pos(p, id);
	}
	p->slot[i].used = 1;
	p->slot[i].id = id;
	p->slot[i].start = start;
	p->n++;
	return 0;
}

/* the pending start is taken out by backward-shift deletion */
uint64_t
pend_take(struct pend *p, uint64_t id, uint64_t start)
{
	size_t i, j, k;
	uint64_t s;

	if (p->n == 0 || !p->slot[i = pos(p, id)].used)
		return start;
	s = p->slot[i].start < start ? p->slot[i].start : start;
	p->n--;
	for (j = i;;) {
		p->slot[i].used = 0;
		for (;;) {
			j = (j + 1) & p->mask;
			if (!p->slot[j].used)
				return s;
			k = home(p, p->slot[j].id);
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		p->slot[i] = p->slot[j];
		i = j;
	}
}
