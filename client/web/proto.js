// SPDX-License-Identifier: MIT
// The kmscast protocol (docs/protocol.md) in the browser: one message per
// WebSocket binary message. Decoding checks what the page relies on; the
// daemon's own parser is the strict one for what we send.
export const T = {HELLO: 1, STREAM_CONFIG: 2, VIDEO_FRAME: 3, CURSOR: 4, INPUT: 5,
	KEYFRAME_REQUEST: 6, FRAME_ACK: 7, PING: 8, PONG: 9, ERROR: 10, BYE: 11,
	CLIPBOARD: 14, CLIPBOARD_POLICY: 15, CLIPBOARD_NOTICE: 16};
export const CLIP_TO_CLIENT = 1, CLIP_TO_HOST = 2, CLIP_CHUNK = 32768;
export const CLIP_TOO_BIG = 1, CLIP_INVALID = 4;
export const CODEC = {LOSSLESS: 0, H264: 1, HEVC: 2};
export const HELLO_VIEW_ONLY = 1, HELLO_NO_444 = 4;
export const ERR = {1: 'protocol error', 2: 'version mismatch', 3: 'unauthorized', 4: 'refused',
	5: 'timeout', 6: 'internal error', 7: 'pairing failed', 8: 'revoked',
	9: 'host key refused', 10: 'shutdown'};

function msg(type, bodyLen) {
	const b = new ArrayBuffer(8 + bodyLen);
	const v = new DataView(b);
	v.setUint32(0, bodyLen);
	v.setUint16(4, type);
	return [b, v];
}

export function hello(name, codecs, flags) {
	const n = new TextEncoder().encode(name.replace(/[^\x20-\x7e]/g, '?').slice(0, 64));
	const [b, v] = msg(T.HELLO, 21 + n.length);
	v.setUint32(8, 0x4b4d5343);
	v.setUint16(12, 1);
	v.setUint16(14, flags);
	v.setUint32(16, codecs);
	v.setUint32(20, 0xf); // keyboard, relative, absolute, wheel
	v.setUint16(24, 16384);
	v.setUint16(26, 16384);
	v.setUint8(28, n.length);
	new Uint8Array(b, 29).set(n);
	return b;
}

export function empty(type) { return msg(type, 0)[0]; }

export function ack(seq) {
	const [b, v] = msg(T.FRAME_ACK, 4);
	v.setUint32(8, seq);
	return b;
}

export function ping(us) {
	const [b, v] = msg(T.PING, 8);
	v.setUint32(8, Math.floor(us / 4294967296));
	v.setUint32(12, us >>> 0);
	return b;
}

export function pong(hi, lo) {
	const [b, v] = msg(T.PONG, 8);
	v.setUint32(8, hi);
	v.setUint32(12, lo);
	return b;
}

// events: [[type, code, value], ...] ending in a SYN_REPORT.
export function input(events) {
	const [b, v] = msg(T.INPUT, 4 + 8 * events.length);
	v.setUint16(8, events.length);
	events.forEach(([t, c, val], i) => {
		v.setUint16(12 + 8 * i, t);
		v.setUint16(14 + 8 * i, c);
		v.setInt32(16 + 8 * i, val);
	});
	return b;
}

// A clipboard text as CLIPBOARD chunks (bytes: its UTF-8).
export function clipboard(bytes) {
	const out = [];
	let off = 0;
	do {
		const n = Math.min(CLIP_CHUNK, bytes.length - off);
		const [b, v] = msg(T.CLIPBOARD, 8 + n);
		v.setUint32(8, bytes.length);
		v.setUint32(12, off);
		new Uint8Array(b, 16).set(bytes.subarray(off, off + n));
		out.push(b);
		off += n;
	} while (off < bytes.length);
	return out;
}

export function clipNotice(code, size, reason) {
	const r = new TextEncoder().encode(reason.slice(0, 400));
	const [b, v] = msg(T.CLIPBOARD_NOTICE, 8 + r.length);
	v.setUint8(8, code);
	v.setUint16(10, r.length);
	v.setUint32(12, size);
	new Uint8Array(b, 16).set(r);
	return b;
}

export function decode(buf) {
	if (buf.byteLength < 8)
		throw new Error('a message shorter than its header');
	const v = new DataView(buf);
	const len = v.getUint32(0), type = v.getUint16(4);
	if (len !== buf.byteLength - 8)
		throw new Error(`a WebSocket message that is not one whole message (type ${type})`);
	const m = {type};
	switch (type) {
	case T.HELLO: {
		const n = v.getUint8(28);
		m.name = new TextDecoder().decode(new Uint8Array(buf, 29, Math.min(n, len - 21)));
		m.codecs = v.getUint32(16);
		break;
	}
	case T.STREAM_CONFIG:
		m.width = v.getUint16(8);
		m.height = v.getUint16(10);
		m.codec = v.getUint8(12);
		m.viewOnly = !!(v.getUint8(13) & 1);
		m.fpsMilli = v.getUint32(16);
		break;
	case T.VIDEO_FRAME:
		m.seq = v.getUint32(8);
		m.captureUs = v.getUint32(12) * 4294967296 + v.getUint32(16);
		m.key = !!(v.getUint8(20) & 1);
		m.payload = new Uint8Array(buf, 24);
		break;
	case T.CURSOR:
		m.x = v.getInt32(8);
		m.y = v.getInt32(12);
		m.visible = !!(v.getUint8(16) & 1);
		m.hasImage = !!(v.getUint8(16) & 2);
		m.hotX = v.getUint16(18);
		m.hotY = v.getUint16(20);
		m.width = v.getUint16(22);
		m.height = v.getUint16(24);
		if (m.hasImage) {
			if (len !== 18 + m.width * m.height * 4)
				throw new Error('a cursor image of the wrong size');
			m.argb = new Uint8Array(buf, 26);
		}
		break;
	case T.PING:
	case T.PONG:
		m.hi = v.getUint32(8);
		m.lo = v.getUint32(12);
		break;
	case T.ERROR: {
		m.code = v.getUint16(8);
		const n = v.getUint16(10);
		m.reason = new TextDecoder().decode(new Uint8Array(buf, 12, Math.min(n, len - 4)));
		break;
	}
	case T.BYE:
		break;
	case T.CLIPBOARD:
		m.total = v.getUint32(8);
		m.offset = v.getUint32(12);
		m.data = new Uint8Array(buf, 16);
		if (m.offset + m.data.length > m.total)
			throw new Error('a clipboard chunk past its text\'s end');
		break;
	case T.CLIPBOARD_POLICY:
		m.dirs = v.getUint8(8);
		m.maxBytes = v.getUint32(12);
		break;
	case T.CLIPBOARD_NOTICE: {
		m.code = v.getUint8(8);
		const n = v.getUint16(10);
		m.size = v.getUint32(12);
		m.reason = new TextDecoder().decode(new Uint8Array(buf, 16, Math.min(n, len - 8)));
		break;
	}
	default:
		throw new Error(`a message of type ${type}, which the daemon does not send`);
	}
	return m;
}
