/* kmscast-grab: inspect and dump any plane's framebuffer. The capture module
 * arrives with issue 3; until then it only explains itself. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "Usage: kmscast-grab [--list [--json]] | [OPTION]... -o FILE.png\n"
		   "Inspect and dump DRM planes' framebuffers.\n"
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
