// SPDX-License-Identifier: MIT
/* What this process holds, for soak logs: open fds, resident memory, and
 * GEM handles on a card fd. */
#ifndef KMSCAST_SELFSTAT_H
#define KMSCAST_SELFSTAT_H

int selfstat_fds(void);     /* -1 if /proc is not there */
long selfstat_rss_kb(void); /* -1 likewise */
/* The anonymous part of it: the heap and stacks, where a leak shows. The
 * rest is file pages (code of the libraries), which come and go with what
 * ran and what the kernel reclaimed. */
long selfstat_anon_kb(void);
/* GEM handles held on card_fd (of the first 1024, which is where a leak
 * shows: handles are allocated lowest-first). */
int selfstat_gem_handles(int card_fd);

#endif
