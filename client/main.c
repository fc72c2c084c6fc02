/* kmscast: the client. Transport, decoding and presenters arrive with
 * issues 4-8; until then it only explains itself. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "Usage: kmscast [OPTION]... HOST[:PORT]\n"
		   "Show and control a kmscastd stream.\n"
		   "Not implemented yet: this build only prints this help.\n");
}

int main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
