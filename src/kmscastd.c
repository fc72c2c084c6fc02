/* kmscastd: the streaming daemon. Capture, encoding and transport arrive with
 * issues 3-5; until then it only explains itself. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "Usage: kmscastd [OPTION]...\n"
		   "Stream a DRM/KMS output to kmscast clients over TLS 1.3.\n"
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
