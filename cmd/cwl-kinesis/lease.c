/*
 * Several instances sharing the shards of one stream, as the Kinesis
 * Client Library shares them: a lease per shard in the registry
 * (lease.h), written with conditional writes, renewed by its holder every
 * third of the lease time.
 *
 * - A shard is read only under its lease, and not past the lease's
 *   deadline: the time the last renewal that succeeded was sent, plus
 *   the lease time, less a tenth. Another instance takes a lease only once
 *   its counter has not moved for a whole lease time on that instance's
 *   clock; the counter it saw was written after the renewal was sent, so
 *   the holder has stopped before the taker starts: two readers never
 *   hold one shard at once (clocks need only run at the same rate).
 * - A lease taken starts the shard at the registry's checkpoint (or the
 *   --resume one, the newer), so a dead instance's shards go on where its
 *   output had acknowledged them; what it wrote past that is read again,
 *   with the same ids.
 * - Each instance holds a fair share when following: the active shards
 *   divided by the instances that hold leases (itself included), rounded
 *   up. Free and expired leases are taken up to it; above it, leases are
 *   given back (the owner emptied) for another instance to take. An
 *   instance below its share with no free lease to take asks for one of
 *   the instance that holds the most: it writes that lease again as it
 *   is, which moves its counter, so that the holder's next renewal is
 *   refused and it stops reading the shard; the lease then expires like
 *   any other and is taken (the instance it was taken from leaves it for
 *   three lease times). Nothing is ever taken from a live holder.
 * - A shard read to its end is marked ended in its lease once the
 *   registry holds its last cursor, that is once its output acknowledged
 *   it all; its children may start then on any instance, and at once on
 *   the instance that read it. Until then its lease is held (and given
 *   back at exit): if that instance dies, the next holder reads the
 *   shard again from the registry's checkpoint to its end.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "kinesis.h"
#include "log.h"
#include "timex.h"

/* An instance holding leases, as a round sees it. */
struct owner {
	const char *name;	/* owned by a shard's lease */
	size_t n;		/* leases it holds */
};

static char *
lease_key(const struct shard *sh)
{
	struct buf b = BUF_INIT;

	if (buf_printf(&b, "%s:%s", K.group, sh->id) == -1)
		log_oom();
	return buf_detach(&b);
}

int
lease_setup(const char *url, const struct aws_opts *ao, struct err *e)
{
	struct ckpt_opts co;

	if ((K.leases = lease_open(url, ao, e)) == NULL)
		return -1;
	memset(&co, 0, sizeof(co));
	co.aws = ao;
	if ((K.reg = ckpt_open(url, &co, e)) == NULL)
		return -1;
	return 0;
}

/* Calls fn with sh's newest checkpoint in the registry (NULL: none).
 * Returns what fn returns, or -1 with e. */
static int
with_checkpoint(struct shard *sh, int (*fn)(struct shard *,
    const struct cursor *), struct err *e)
{
	struct ckpt_filter f;
	struct ckpt_set *set;
	char *key = lease_key(sh);
	const char *src[1];
	int r;

	memset(&f, 0, sizeof(f));
	src[0] = key;
	f.sources = src;
	f.nsources = 1;
	if ((set = ckpt_set_new()) == NULL)
		log_oom();
	r = ckpt_load(K.reg, &f, set, e);
	if (r == 0)
		r = fn(sh, ckpt_set_get(set, key));
	ckpt_set_free(set);
	free(key);
	return r;
}

/* The checkpoint into sh's position, when newer than the one it has. */
static int
start_at(struct shard *sh, const struct cursor *c)
{
	if (c && c->token && *c->token && c->n > sh->n) {
		free(sh->seq);
		if ((sh->seq = strdup(c->token)) == NULL)
			log_oom();
		sh->skip = c->skip;
		sh->ts = c->ts;
		sh->n = c->n;
		log_debug("lease", "%s: starts at the registry's checkpoint "
		    "(line %lld)", sh->id, (long long)c->n);
	}
	free(sh->iter);
	sh->iter = NULL;
	sh->drop = 0;
	return 0;
}

/* Whether the checkpoint is at sh's last line. */
static int
at_end(struct shard *sh, const struct cursor *c)
{
	return sh->n == 0 || (c && c->n >= sh->n);
}

/* sh is no longer ours: nothing more is read, nor written from an
 * answer in flight. */
static void
let_go(struct shard *sh, const char *why)
{
	sh->held = 0;
	free(sh->iter);
	sh->iter = NULL;
	if (sh->state != SH_FLIGHT && sh->state != SH_WAIT)
		sh->state = SH_LEASED;
	log_debug("lease", "%s: %s", sh->id, why);
}

int
lease_ok(struct shard *sh, int64_t now)
{
	if (K.leases == NULL)
		return 1;
	if (!sh->held)
		return 0;
	if (now >= sh->deadline) {
		log_warn("%s/%s: the lease was not renewed in time; the shard "
		    "is left to whoever takes it", K.stream, sh->id);
		let_go(sh, "past its lease's deadline");
		return 0;
	}
	return 1;
}

/* Writes our lease of sh again. Returns 0, 1 when it was lost, -1. */
static int
renew(struct shard *sh, int64_t now, int ended, struct err *e)
{
	char *key = lease_key(sh);
	int r = lease_write(K.leases, key, &sh->lease, ended ? "" : K.owner,
	    ended, e);

	free(key);
	if (r == 0 && !ended) {
		sh->deadline = now + K.lease_ms - K.lease_ms / 10;
		sh->renew_at = now + K.lease_ms / 3;
	}
	return r;
}

/* What another instance's lease of sh says; returns 1 when it may be
 * taken (absent, given back, expired). */
static int
observe(struct shard *sh, int64_t now)
{
	struct lease *l = &sh->lease;

	if (!l->exists || l->owner[0] == '\0')
		return 1;
	if (l->counter != sh->seen_counter || sh->seen_at == 0) {
		sh->seen_counter = l->counter;
		sh->seen_at = now;
		return 0;
	}
	return now - sh->seen_at >= K.lease_ms;
}

static int
parents_ended(const struct shard *sh)
{
	const struct shard *p;
	const char *ids[2];
	int i;

	ids[0] = sh->parent;
	ids[1] = sh->adjacent;
	/* ended for every instance, or read to its end here (its lease is
	 * kept until the registry has its end) */
	for (i = 0; i < 2; i++)
		if (ids[i] && (p = shard_find(ids[i])) != NULL && p->listed &&
		    !p->ended && !(p->held && p->state == SH_DONE))
			return 0;
	return 1;
}

/* Our lease of sh, held and renewed: marks it ended once the registry has
 * all of a shard read to its end. */
static void
keep(struct shard *sh, int64_t now)
{
	struct err e = ERR_INIT;
	int r;

	if (sh->state == SH_DONE) {
		if ((r = with_checkpoint(sh, at_end, &e)) == -1) {
			log_warn("%s", err_msg(&e));
			err_clear(&e);
		} else if (r == 1 && renew(sh, now, 1, &e) == 0) {
			sh->ended = 1;
			sh->held = 0;
			log_debug("lease", "%s: read and acknowledged to its end",
			    sh->id);
			return;
		}
		err_clear(&e);
	}
	if (now < sh->renew_at)
		return;
	if ((r = renew(sh, now, 0, &e)) == 1) {
		let_go(sh, "the lease was written by another: not ours any more");
		sh->lost_at = now;
	}
	else if (r == -1)
		log_warn("%s", err_msg(&e));	/* the deadline decides */
	err_clear(&e);
}

/* Gives back the lease of sh. */
static void
give_back(struct shard *sh, int64_t now)
{
	struct err e = ERR_INIT;
	char *key = lease_key(sh);

	let_go(sh, "given back");
	if (lease_write(K.leases, key, &sh->lease, "", 0, &e) == -1)
		log_warn("%s", err_msg(&e));
	err_clear(&e);
	free(key);
}

/* Takes the lease of sh. Returns 1 when taken. */
static int
take(struct shard *sh, int64_t now)
{
	struct err e = ERR_INIT;
	int r = renew(sh, now, 0, &e);

	if (r == 0 && with_checkpoint(sh, start_at, &e) == -1) {
		/* not read without its checkpoint */
		give_back(sh, now);
		r = -1;
	}
	if (r == -1) {
		if (e.code == EXIT_AUTH)
			cli_fail(&K.fail, EXIT_AUTH, "%s", err_msg(&e));
		else if (e.msg)
			log_warn("%s", err_msg(&e));
	}
	err_clear(&e);
	if (r != 0)
		return 0;
	sh->held = 1;
	sh->state = SH_READY;
	sh->due = now;
	sh->attempt = 0;
	log_debug("lease", "%s: taken (counter %lld)", sh->id,
	    (long long)sh->lease.counter);
	return 1;
}

/* Asks the instance holding the most leases, when more than target,
 * for one of them (see above). */
static void
ask_for_one(const struct owner *owners, size_t nowners, size_t target,
    int64_t now)
{
	struct err e = ERR_INIT;
	const struct owner *rich = &owners[0];
	struct shard *sh;
	char *key;
	size_t i;

	for (i = 1; i < nowners; i++)
		if (owners[i].n > rich->n)
			rich = &owners[i];
	if (rich->n <= target)
		return;
	for (i = 0; i < K.nsh; i++) {
		sh = K.sh[i];
		if (!sh->listed || sh->held || sh->ended || !sh->lease.exists ||
		    strcmp(sh->lease.owner, rich->name) != 0 || !parents_ended(sh))
			continue;
		key = lease_key(sh);
		if (lease_write(K.leases, key, &sh->lease, sh->lease.owner, 0,
		    &e) == 0) {
			K.last_steal = now;
			sh->seen_counter = sh->lease.counter;
			sh->seen_at = timex_mono_ms();
			log_debug("lease", "%s: asked of %s, which holds %zu "
			    "(a share is %zu)", sh->id, sh->lease.owner, rich->n,
			    target);
		} else if (e.msg) {
			log_warn("%s", err_msg(&e));
		}
		err_clear(&e);
		free(key);
		return;
	}
}

/* What a round of leases finds. */
struct survey {
	int64_t now;
	struct owner *owners;	/* the other owners and their leases */
	size_t nowners;
	size_t nheld;		/* leases held here */
	size_t active;		/* shards listed and not ended */
};

/* Counts a lease held by another owner. */
static void
count_owner(struct survey *sv, const char *name)
{
	size_t k;

	for (k = 0; k < sv->nowners; k++)
		if (strcmp(sv->owners[k].name, name) == 0)
			break;
	if (k == sv->nowners) {
		if ((sv->owners = realloc(sv->owners, (sv->nowners + 1) *
		    sizeof(*sv->owners))) == NULL)
			log_oom();
		sv->owners[sv->nowners].name = name;
		sv->owners[sv->nowners++].n = 0;
	}
	sv->owners[k].n++;
}

/* Renews the leases held, and reads the others: shards found ended are
 * done, and the live leases of other owners are counted. */
static void
lease_survey(struct survey *sv)
{
	struct err e = ERR_INIT;
	struct shard *sh;
	size_t i;
	char *key;

	for (i = 0; i < K.nsh && !K.stopping; i++) {
		sh = K.sh[i];
		if (!sh->listed || sh->ended)
			continue;
		if (sh->held) {
			keep(sh, sv->now);
			if (sh->held)
				sv->nheld++;
			if (!sh->ended)
				sv->active++;
			continue;
		}
		key = lease_key(sh);
		if (lease_read(K.leases, key, &sh->lease, &e) == -1) {
			if (e.code == EXIT_AUTH)
				cli_fail(&K.fail, EXIT_AUTH, "%s", err_msg(&e));
			else
				log_warn("%s", err_msg(&e));
			err_clear(&e);
			free(key);
			continue;
		}
		free(key);
		/* seen now, after the read: the counter was written before */
		sv->now = timex_mono_ms();
		if (sh->lease.exists && sh->lease.ended) {
			sh->ended = 1;
			sh->state = SH_DONE;
			continue;
		}
		sv->active++;
		if (!observe(sh, sv->now))
			count_owner(sv, sh->lease.owner);
	}
}

/* Takes free leases (their parents ended, not lost here lately) up to
 * target. Returns how many were taken. */
static size_t
lease_take(struct survey *sv, size_t target)
{
	struct shard *sh;
	size_t i, taken = 0;

	for (i = 0; i < K.nsh && sv->nheld < target && !K.stopping; i++) {
		sh = K.sh[i];
		if (sh->listed && !sh->held && !sh->ended &&
		    sh->state != SH_FLIGHT && parents_ended(sh) &&
		    !(sh->lost_at && sv->now - sh->lost_at < 3 * K.lease_ms) &&
		    observe(sh, sv->now) && take(sh, sv->now)) {
			sv->nheld++;
			taken++;
		}
	}
	return taken;
}

/* Gives back the leases held over target, the last shards first. */
static void
lease_shed(struct survey *sv, size_t target)
{
	struct shard *sh;
	size_t i;

	for (i = K.nsh; i-- > 0 && sv->nheld > target;) {
		sh = K.sh[i];
		if (sh->held && sh->state != SH_DONE) {
			give_back(sh, sv->now);
			sv->nheld--;
		}
	}
}

void
lease_round(int64_t now)
{
	struct survey sv = { now, NULL, 0, 0, 0 };
	size_t target, taken;

	if (K.leases == NULL || now < K.next_lease)
		return;
	K.next_lease = now + K.lease_ms / 3;
	lease_survey(&sv);
	/* a fair share when following; all there is otherwise */
	target = K.follow ? (sv.active + sv.nowners) / (sv.nowners + 1) :
	    (size_t)-1;
	taken = lease_take(&sv, target);
	if (K.follow && sv.nheld < target && taken == 0 && sv.nowners > 0 &&
	    (K.last_steal == 0 || sv.now - K.last_steal >= 2 * K.lease_ms))
		ask_for_one(sv.owners, sv.nowners, target, sv.now);
	lease_shed(&sv, target);
	free(sv.owners);
	log_debug("lease", "%zu held, %zu active shards, %zu other owners",
	    sv.nheld, sv.active, sv.nowners);
}

void
lease_release_all(void)
{
	size_t i;

	if (K.leases == NULL)
		return;
	for (i = 0; i < K.nsh; i++)
		if (K.sh[i]->held)
			give_back(K.sh[i], timex_mono_ms());
}
