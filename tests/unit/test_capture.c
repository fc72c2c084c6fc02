// SPDX-License-Identifier: MIT
#include <drm_fourcc.h>
#include <errno.h>

#include "kmscast/capture.h"
#include "tst.h"

static struct capture_buffer buffer(uint32_t fourcc, uint64_t modifier, uint32_t planes)
{
	struct capture_buffer b = {.fb_id = 42, .width = 64, .height = 64, .fourcc = fourcc,
				   .modifier = modifier, .n_planes = planes};
	return b;
}

static int cpu_path_decision(void)
{
	char err[512];
	struct capture_buffer b;

	b = buffer(DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_LINEAR, 1);
	CHECK_EQ_INT(capture_check_cpu_path(&b, "amdgpu", err, sizeof(err)), 0);
	b = buffer(DRM_FORMAT_RGB565, DRM_FORMAT_MOD_INVALID, 1);
	CHECK_EQ_INT(capture_check_cpu_path(&b, "virtio_gpu", err, sizeof(err)), 0);
	CHECK_EQ_INT(capture_check_cpu_path(&b, "bochs-drm", err, sizeof(err)), 0);

	/* No modifier on a driver that tiles: no guessing. */
	b = buffer(DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_INVALID, 1);
	CHECK_EQ_INT(capture_check_cpu_path(&b, "i915", err, sizeof(err)), -ENOTSUP);
	CHECK(strstr(err, "framebuffer 42 has format XR24 with modifier implicit on driver i915"));

	b = buffer(DRM_FORMAT_XRGB8888, I915_FORMAT_MOD_X_TILED, 1);
	CHECK_EQ_INT(capture_check_cpu_path(&b, "i915", err, sizeof(err)), -ENOTSUP);
	CHECK(strstr(err, "modifier 0x0100000000000001"));

	b = buffer(DRM_FORMAT_NV12, DRM_FORMAT_MOD_LINEAR, 2);
	CHECK_EQ_INT(capture_check_cpu_path(&b, "virtio_gpu", err, sizeof(err)), -ENOTSUP);
	CHECK(strstr(err, "format NV12 with modifier LINEAR"));
	CHECK(strstr(err, "supported: linear XRGB8888"));
	return 0;
}

static int modifier_names(void)
{
	char buf[24];

	CHECK(strcmp(capture_modifier_str(DRM_FORMAT_MOD_LINEAR, buf, sizeof(buf)), "LINEAR") == 0);
	CHECK(strcmp(capture_modifier_str(DRM_FORMAT_MOD_INVALID, buf, sizeof(buf)), "implicit") == 0);
	CHECK(strcmp(capture_modifier_str(I915_FORMAT_MOD_Y_TILED, buf, sizeof(buf)),
		     "0x0100000000000002") == 0);
	return 0;
}

TST_MAIN("capture", TST_CASE(cpu_path_decision), TST_CASE(modifier_names))
