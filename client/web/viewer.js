// SPDX-License-Identifier: MIT
// The browser viewer: pairs once, then speaks the kmscast protocol over a
// WebSocket on the daemon's own port, decodes with WebCodecs (H.264) or the
// lossless decoder, draws 1:1 in device pixels where it fits, and sends
// keyboard and pointer input as whole evdev frames, as the native client.
import * as P from './proto.js';
import {KEYMAP} from './keymap.js';
import {Lossless} from './lossless.js';

const EV_SYN = 0, EV_KEY = 1, EV_REL = 2, EV_ABS = 3;
const REL_X = 0, REL_Y = 1, REL_HWHEEL = 6, REL_WHEEL = 8, REL_WHEEL_HI_RES = 11,
	REL_HWHEEL_HI_RES = 12, ABS_X = 0, ABS_Y = 1;
const BUTTONS = [0x110, 0x112, 0x111, 0x113, 0x114]; // left, middle, right, side, extra
const B32 = 'ABCDEFGHJKMNPQRSTVWXYZ0123456789';
const $ = (id) => document.getElementById(id);
const canvas = $('screen');
const ctx = canvas.getContext('2d', {alpha: false});

const state = {
	info: null, ws: null, config: null, decoder: null, lossless: null, viewOnly: false,
	held: new Set(), buttons: new Set(), pending: [], retry: 0, stop: false,
	stats: {frames: 0, bytes: 0, drops: 0, lastSeq: -1, decodeMs: 0, latencyMs: [], rtt: 0,
		since: performance.now(), fps: 0, kbps: 0, errors: 0},
	cursor: null, lastError: '', status: 'starting', codecs: 0, no444: false, clockOffsetMs: 0,
	// A portal's token (#token=...): offered once, on the first connection.
	token: null, viaToken: false,
};
window.kmscast = state; // for people (and tests) looking from the console

function setStatus(text, bad = false) {
	state.status = text;
	$('state').textContent = text;
	$('state').className = bad ? 'bad' : '';
}

function showMessage(text, bad = false) {
	const m = $('message');
	m.textContent = text;
	m.className = bad ? 'bad' : '';
	m.hidden = !text;
	if (bad)
		state.lastError = text;
}

// --- pairing --------------------------------------------------------------

function codeBytes(code) {
	let acc = 0, bits = 0, digits = 0;
	const out = [];
	for (const ch of code.toUpperCase()) {
		if (ch === '-' || ch === ' ')
			continue;
		const v = B32.indexOf(ch);
		if (v < 0 || digits === 26)
			return null;
		acc = (acc << 5 | v) & 0x1fff;
		bits += 5;
		digits++;
		if (bits >= 8 && out.length < 16) {
			out.push(acc >> (bits - 8) & 0xff);
			bits -= 8;
		}
		acc &= (1 << bits) - 1;
	}
	return digits === 26 && out.length === 16 && acc === 0 ? new Uint8Array(out) : null;
}

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s) => new Uint8Array(s.match(/../g).map((x) => parseInt(x, 16)));

async function proof(key, label, a, b) {
	const k = await crypto.subtle.importKey('raw', key, {name: 'HMAC', hash: 'SHA-256'}, false,
		['sign']);
	const l = new TextEncoder().encode(label + '\0');
	const m = new Uint8Array(l.length + 64);
	m.set(l);
	m.set(a, l.length);
	m.set(b, l.length + 32);
	return new Uint8Array(await crypto.subtle.sign('HMAC', k, m));
}

async function pair(code) {
	const key = codeBytes(code);
	if (!key)
		throw new Error('that is not a pairing code: 26 letters and digits from ' +
			"'kmscastd pair' (dashes optional)");
	const id = crypto.getRandomValues(new Uint8Array(32));
	const fp = unhex(state.info.fingerprint.slice(7));
	const mine = await proof(key, 'kmscast pair v1 client', id, fp);
	const body = new URLSearchParams({id: hex(id), proof: hex(mine),
		name: `${navigator.userAgentData?.brands?.at(-1)?.brand ?? 'browser'} on ` +
			`${navigator.userAgentData?.platform || navigator.platform || 'unknown'}`});
	const r = await fetch('/pair', {method: 'POST', body, credentials: 'same-origin'});
	const j = await r.json().catch(() => ({error: `HTTP ${r.status}`}));
	if (!r.ok)
		throw new Error(j.error || `pairing failed (HTTP ${r.status})`);
	const want = hex(await proof(key, 'kmscast pair v1 server', fp, id));
	if (j.proof !== want)
		throw new Error('the host did not prove that it knows the code: this is not the host ' +
			"that showed it. Check the fingerprint against 'kmscastd id' there.");
}

function askForCode(prefill) {
	$('pair').hidden = false;
	$('pair-host').textContent = state.info.host;
	$('fingerprint').textContent = state.info.fingerprint;
	$('code').value = prefill || '';
	setStatus('not paired');
	$('pair-form').onsubmit = async (e) => {
		e.preventDefault();
		setStatus('pairing');
		try {
			await pair($('code').value);
			$('pair').hidden = true;
			showMessage('');
			connect();
		} catch (err) {
			setStatus('not paired', true);
			showMessage(err.message, true);
		}
	};
	if (prefill)
		$('pair-form').requestSubmit();
}

// --- video ------------------------------------------------------------------

const CONFIGS = {
	'444': 'avc1.F4001F', // High 4:4:4 Predictive
	'420': 'avc1.64001F', // High
};

async function probeCodecs() {
	let codecs = 1 << P.CODEC.LOSSLESS, no444 = true;
	if ('VideoDecoder' in window) {
		const ok = async (codec) => (await VideoDecoder.isConfigSupported({codec,
			optimizeForLatency: true}).catch(() => ({supported: false}))).supported;
		const s444 = await ok(CONFIGS['444']), s420 = await ok(CONFIGS['420']);
		if (s444 || s420)
			codecs |= 1 << P.CODEC.H264;
		no444 = !s444;
	}
	state.codecs = codecs;
	state.no444 = no444;
}

// The codec string from the keyframe's SPS: profile, constraints, level.
function avcCodec(p) {
	for (let i = 0; i + 7 < p.length; i++) {
		if (p[i] === 0 && p[i + 1] === 0 && p[i + 2] === 1 && (p[i + 3] & 0x1f) === 7)
			return 'avc1.' + hex(p.subarray(i + 4, i + 7));
	}
	return null;
}

function newDecoder() {
	if (state.decoder && state.decoder.state !== 'closed')
		state.decoder.close();
	state.decoder = new VideoDecoder({
		output: (frame) => {
			const seq = frame.timestamp;
			ctx.drawImage(frame, 0, 0);
			frame.close();
			presented(seq);
		},
		error: (e) => {
			state.stats.errors++;
			console.warn('decoder error', e);
			state.decoder = null;
			send(P.empty(P.T.KEYFRAME_REQUEST));
		},
	});
}

function presented(seq) {
	const i = state.pending.findIndex((f) => f.seq === seq);
	if (i < 0)
		return;
	const f = state.pending[i];
	state.pending.splice(0, i + 1);
	const now = performance.now();
	state.stats.decodeMs = now - f.t;
	state.stats.latencyMs.push(Date.now() + state.clockOffsetMs - f.captureUs / 1000);
	if (state.stats.latencyMs.length > 600)
		state.stats.latencyMs.shift();
	state.stats.frames++;
	send(P.ack(seq));
}

function onFrame(m) {
	const s = state.stats;
	if (s.lastSeq >= 0 && m.seq !== ((s.lastSeq + 1) >>> 0))
		s.drops += (m.seq - s.lastSeq - 1) >>> 0;
	s.lastSeq = m.seq;
	s.bytes += m.payload.length;
	state.pending.push({seq: m.seq, t: performance.now(), captureUs: m.captureUs});
	if (state.config.codec === P.CODEC.LOSSLESS) {
		try {
			state.lossless.decode(m.payload);
			ctx.putImageData(state.lossless.image, 0, 0);
			presented(m.seq);
		} catch (e) {
			s.errors++;
			console.warn('lossless', e);
			state.pending.pop();
			send(P.ack(m.seq));
			send(P.empty(P.T.KEYFRAME_REQUEST));
		}
		return;
	}
	if (!state.decoder) {
		if (!m.key) { // wait for the keyframe we asked for
			state.pending.pop();
			send(P.ack(m.seq));
			return;
		}
		newDecoder();
	}
	if (m.key) {
		const codec = avcCodec(m.payload) || CONFIGS[state.no444 ? '420' : '444'];
		// The colour space comes from the stream's VUI, which the daemon
		// writes in full (a configured one would override it).
		state.decoder.configure({codec, optimizeForLatency: true});
	}
	state.decoder.decode(new EncodedVideoChunk({type: m.key ? 'key' : 'delta',
		timestamp: m.seq, data: m.payload}));
}

// --- layout -----------------------------------------------------------------

// 1:1 in device pixels when the stage is large enough (exact pixels for the
// lossless codec); otherwise scaled down to fit, keeping the aspect.
function layout() {
	if (!state.config)
		return;
	const st = $('stage').getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
	const w = state.config.width / dpr, h = state.config.height / dpr;
	const k = Math.min(1, st.width / w, st.height / h);
	canvas.style.width = `${w * k}px`;
	canvas.style.height = `${h * k}px`;
}
window.addEventListener('resize', layout);

// --- cursor -----------------------------------------------------------------

function onCursor(m) {
	if (m.hasImage) {
		const c = document.createElement('canvas');
		c.width = m.width;
		c.height = m.height;
		const img = new ImageData(m.width, m.height);
		for (let i = 0; i < m.width * m.height; i++) { // ARGB8888 LE: B G R A
			img.data[4 * i] = m.argb[4 * i + 2];
			img.data[4 * i + 1] = m.argb[4 * i + 1];
			img.data[4 * i + 2] = m.argb[4 * i];
			img.data[4 * i + 3] = m.argb[4 * i + 3];
		}
		c.getContext('2d').putImageData(img, 0, 0);
		state.cursor = {url: c.toDataURL('image/png'), hotX: m.hotX, hotY: m.hotY,
			width: m.width, height: m.height};
	}
	if (!m.visible)
		canvas.style.cursor = 'none';
	else if (state.cursor)
		canvas.style.cursor = `url(${state.cursor.url}) ${state.cursor.hotX} ${state.cursor.hotY}, auto`;
}

// --- input ------------------------------------------------------------------

function sendInput(events) {
	if (state.viewOnly || !state.ws || state.ws.readyState !== WebSocket.OPEN)
		return;
	events.push([EV_SYN, 0, 0]);
	send(P.input(events));
}

function key(e, down) {
	const code = KEYMAP[e.code];
	if (code === undefined || !state.config)
		return;
	e.preventDefault();
	if (down && e.repeat)
		return; // the host repeats on its own
	if (down)
		state.held.add(code);
	else if (!state.held.delete(code))
		return;
	sendInput([[EV_KEY, code, down ? 1 : 0]]);
}

// Every held key and button goes up: on blur, a hidden tab, a disconnect.
function releaseAll() {
	const ev = [];
	for (const c of state.held)
		ev.push([EV_KEY, c, 0]);
	for (const b of state.buttons)
		ev.push([EV_KEY, b, 0]);
	state.held.clear();
	state.buttons.clear();
	if (ev.length)
		sendInput(ev);
}

function streamPoint(e) {
	const r = canvas.getBoundingClientRect();
	const x = Math.floor((e.clientX - r.left) * state.config.width / r.width);
	const y = Math.floor((e.clientY - r.top) * state.config.height / r.height);
	return [Math.max(0, Math.min(state.config.width - 1, x)),
		Math.max(0, Math.min(state.config.height - 1, y))];
}

function pointer(e) {
	if (!state.config)
		return;
	e.preventDefault();
	const ev = [];
	if (document.pointerLockElement === canvas) {
		if (e.movementX)
			ev.push([EV_REL, REL_X, e.movementX]);
		if (e.movementY)
			ev.push([EV_REL, REL_Y, e.movementY]);
	} else {
		const [x, y] = streamPoint(e);
		ev.push([EV_ABS, ABS_X, x], [EV_ABS, ABS_Y, y]);
	}
	if (e.type === 'pointerdown' || e.type === 'pointerup') {
		let b = BUTTONS[e.pointerType === 'touch' ? 0 : e.button];
		if (b !== undefined) {
			const down = e.type === 'pointerdown';
			if (down)
				state.buttons.add(b);
			else if (!state.buttons.delete(b))
				b = undefined;
			if (b !== undefined)
				ev.push([EV_KEY, b, down ? 1 : 0]);
		}
		if (e.type === 'pointerdown')
			canvas.focus();
	}
	if (ev.length)
		sendInput(ev);
}

function wheel(e) {
	if (!state.config)
		return;
	e.preventDefault();
	// 120 hi-res units a detent; a pixel delta of 100 counts as one.
	const unit = e.deltaMode === 1 ? 120 : e.deltaMode === 2 ? 1200 : 1.2;
	const v = Math.round(-e.deltaY * unit), h = Math.round(e.deltaX * unit);
	const ev = [];
	// Detents first, then hi-res, in one frame, as a wheel mouse reports.
	if (v) {
		if (Math.trunc(v / 120))
			ev.push([EV_REL, REL_WHEEL, Math.trunc(v / 120)]);
		ev.push([EV_REL, REL_WHEEL_HI_RES, v]);
	}
	if (h) {
		if (Math.trunc(h / 120))
			ev.push([EV_REL, REL_HWHEEL, Math.trunc(h / 120)]);
		ev.push([EV_REL, REL_HWHEEL_HI_RES, h]);
	}
	if (ev.length)
		sendInput(ev);
}

canvas.addEventListener('keydown', (e) => key(e, true));
canvas.addEventListener('keyup', (e) => key(e, false));
for (const t of ['pointermove', 'pointerdown', 'pointerup'])
	canvas.addEventListener(t, pointer);
canvas.addEventListener('wheel', wheel, {passive: false});
canvas.addEventListener('contextmenu', (e) => e.preventDefault());
canvas.addEventListener('blur', releaseAll);
window.addEventListener('blur', releaseAll);
document.addEventListener('visibilitychange', () => document.hidden && releaseAll());

$('full-button').onclick = async () => {
	await $('stage').requestFullscreen();
	// Alt+Tab, Escape and the like reach the host in full screen.
	await navigator.keyboard?.lock?.().catch(() => {});
	canvas.focus();
};
$('lock-button').onclick = () => canvas.requestPointerLock();
$('stats-button').onclick = () => { $('stats').hidden = !$('stats').hidden; };

// --- clipboard ------------------------------------------------------------------
// The host's text is written to this machine's clipboard when the page has
// focus (browsers allow it only then); this machine's text goes to the host
// on a paste in the page, and when the page gains focus where the browser
// grants reading. What the browser withholds is said in the bar.

const clip = {policy: null, buf: null, got: 0, total: 0, pending: null, last: null};
state.clip = clip;

function clipSay(text, bad = false) {
	const c = $('clip');
	c.textContent = text ? `clipboard: ${text}` : '';
	c.className = bad ? 'bad' : '';
	c.hidden = !text;
}

async function writeClip() {
	if (clip.pending === null || !document.hasFocus())
		return;
	const t = clip.pending;
	try {
		await navigator.clipboard.writeText(t);
		if (clip.pending === t)
			clip.pending = null;
		clipSay('');
	} catch (e) {
		clipSay(`the browser withholds permission to write the host's text here (${e.name})`, true);
	}
}

function onClipboard(m) {
	if (!clip.policy || !(clip.policy.dirs & P.CLIP_TO_CLIENT))
		return;
	if (m.offset === 0) {
		clip.buf = m.total <= clip.policy.maxBytes ? new Uint8Array(m.total) : null;
		clip.got = 0;
		clip.total = m.total;
	}
	if (!clip.buf || m.offset !== clip.got || m.total !== clip.total)
		return;
	clip.buf.set(m.data, m.offset);
	clip.got = m.offset + m.data.length;
	if (clip.got < clip.total)
		return;
	let text;
	try {
		text = new TextDecoder('utf-8', {fatal: true}).decode(clip.buf);
	} catch {
		const why = `the host's text (${clip.total} bytes) is not UTF-8: not taken`;
		clipSay(why, true);
		send(P.clipNotice(P.CLIP_INVALID, clip.total, why));
		return;
	} finally {
		clip.buf = null;
	}
	clip.last = text;
	clip.pending = text;
	writeClip();
}

function sendClip(text) {
	if (!clip.policy || !(clip.policy.dirs & P.CLIP_TO_HOST) || !text || text === clip.last)
		return;
	const bytes = new TextEncoder().encode(text);
	clip.last = text;
	if (bytes.length > clip.policy.maxBytes) {
		const why = `this text (${bytes.length} bytes) is over the host's limit of ` +
			`${clip.policy.maxBytes} bytes: not sent`;
		clipSay(why, true);
		send(P.clipNotice(P.CLIP_TOO_BIG, bytes.length, why));
		return;
	}
	for (const b of P.clipboard(bytes))
		send(b);
}

async function readClip() {
	if (!clip.policy || !(clip.policy.dirs & P.CLIP_TO_HOST) || !navigator.clipboard?.readText)
		return;
	try {
		sendClip(await navigator.clipboard.readText());
	} catch (e) {
		clipSay(`the browser withholds reading this machine's clipboard (${e.name}); ` +
			'paste into the page to send text', false);
	}
}

document.addEventListener('paste', (e) => {
	const t = e.clipboardData?.getData('text/plain');
	if (t) {
		e.preventDefault();
		sendClip(t);
	}
});
window.addEventListener('focus', () => { writeClip(); readClip(); });

// --- connection ---------------------------------------------------------------

function send(buf) {
	if (state.ws && state.ws.readyState === WebSocket.OPEN)
		state.ws.send(buf);
}

function onMessage(ev) {
	let m;
	try {
		m = P.decode(ev.data);
	} catch (e) {
		showMessage(`The host sent something this page cannot read: ${e.message}`, true);
		state.ws.close(1002);
		return;
	}
	switch (m.type) {
	case P.T.HELLO:
		$('host').textContent = m.name;
		break;
	case P.T.STREAM_CONFIG:
		state.config = m;
		state.viewOnly = m.viewOnly;
		$('viewonly').hidden = !m.viewOnly;
		canvas.width = m.width;
		canvas.height = m.height;
		state.lossless = m.codec === P.CODEC.LOSSLESS ? new Lossless(m.width, m.height) : null;
		state.decoder = null;
		state.pending = [];
		state.stats.lastSeq = -1;
		layout();
		setStatus(`connected, ${m.width}x${m.height} ${m.codec === P.CODEC.LOSSLESS ?
			'lossless' : 'H.264'}`);
		state.retry = 0;
		showMessage(''); // an earlier disconnect's message is over
		canvas.focus();
		break;
	case P.T.VIDEO_FRAME:
		if (state.config)
			onFrame(m);
		break;
	case P.T.CURSOR:
		onCursor(m);
		break;
	case P.T.PING:
		send(P.pong(m.hi, m.lo));
		break;
	case P.T.PONG:
		state.stats.rtt = performance.now() - (m.hi * 4294967296 + m.lo) / 1000;
		break;
	case P.T.ERROR:
		state.errorCode = m.code;
		showMessage(`${m.reason} (${P.ERR[m.code] || 'error'})`, true);
		setStatus(P.ERR[m.code] || 'error', true);
		// Trust problems need a person; others (shutdown, timeout) retry.
		// A portal's token is used once: the portal makes the next one.
		if ((m.code === 3 || m.code === 8) && state.viaToken) {
			state.stop = true;
			showMessage(`${m.reason}. Open this host again from the portal.`, true);
		} else if (m.code === 3 || m.code === 8) {
			state.stop = true;
			askForCode('');
		} else if (m.code === 1 || m.code === 2 || m.code === 4) {
			state.stop = true;
		}
		break;
	case P.T.BYE:
		break;
	case P.T.CLIPBOARD_POLICY:
		clip.policy = m;
		break;
	case P.T.CLIPBOARD:
		onClipboard(m);
		break;
	case P.T.CLIPBOARD_NOTICE:
		clipSay(m.reason, true);
		break;
	}
}

function connect() {
	state.stop = false;
	state.errorCode = 0;
	setStatus('connecting');
	// The token rides as a subprotocol: a WebSocket carries no other header
	// a page can set, and the fragment it came in never reached a server.
	const protocols = state.token ? ['kmscast', `kmscast.token.${state.token}`] : ['kmscast'];
	state.viaToken = !!state.token;
	state.token = null;
	const ws = new WebSocket(`wss://${location.host}/ws`, protocols);
	ws.binaryType = 'arraybuffer';
	state.ws = ws;
	ws.onopen = () => {
		setStatus('authenticating');
		send(P.hello(`browser: ${navigator.platform || 'web'}`, state.codecs,
			state.no444 ? P.HELLO_NO_444 : 0));
	};
	ws.onmessage = onMessage;
	ws.onclose = () => {
		releaseAll();
		state.config = null;
		if (state.decoder && state.decoder.state !== 'closed')
			state.decoder.close();
		state.decoder = null;
		if (state.stop)
			return;
		// Back off: 1, 2, 4 ... 30 s, with some jitter.
		const delay = Math.min(30000, 1000 * 2 ** state.retry++) * (0.8 + 0.4 * Math.random());
		setStatus(`disconnected; retrying in ${Math.round(delay / 1000)} s`, true);
		if (!state.errorCode)
			showMessage(`The connection to ${location.host} closed.`, true);
		setTimeout(start, delay);
	};
}

setInterval(() => {
	const s = state.stats, now = performance.now(), dt = (now - s.since) / 1000;
	s.fps = s.frames / dt;
	s.kbps = s.bytes * 8 / 1000 / dt;
	const l = [...s.latencyMs].sort((a, b) => a - b);
	const pct = (q) => (l.length ? l[Math.min(l.length - 1, Math.floor(q * l.length))] : 0);
	$('stats').textContent = `${s.fps.toFixed(1)} fps  ${s.kbps.toFixed(0)} kbit/s\n` +
		`decode ${s.decodeMs.toFixed(1)} ms  capture to screen p50 ${pct(0.5).toFixed(0)} ms ` +
		`p99 ${pct(0.99).toFixed(0)} ms\nRTT ${s.rtt.toFixed(1)} ms  drops ${s.drops}  ` +
		`decode errors ${s.errors}`;
	s.frames = s.bytes = 0;
	s.since = now;
	if (state.ws && state.ws.readyState === WebSocket.OPEN && state.config) {
		send(P.ping(Math.round(performance.now() * 1000)));
	}
}, 2000);

async function start() {
	if (!window.isSecureContext || !window.crypto?.subtle) {
		showMessage('Open this page over https:// (the daemon serves it on its TLS port).', true);
		return;
	}
	if (!('WebSocket' in window) || !('VideoDecoder' in window)) {
		showMessage('This browser is too old for the viewer: it needs WebCodecs (Chrome or ' +
			'Edge 94+, Firefox 130+, Safari 16.4+ for H.264).', true);
	}
	try {
		// The host's clock against ours, from the quickest of three round
		// trips: frames carry the host's capture time.
		let best = Infinity;
		for (let i = 0; i < 3; i++) {
			const t0 = Date.now();
			const r = await fetch('/info', {credentials: 'same-origin', cache: 'no-store'});
			state.info = await r.json();
			const t1 = Date.now();
			if (t1 - t0 < best) {
				best = t1 - t0;
				state.clockOffsetMs = state.info.time_us / 1000 - (t0 + t1) / 2;
			}
		}
	} catch (e) {
		setStatus('host unreachable', true);
		const delay = Math.min(30000, 1000 * 2 ** state.retry++);
		showMessage(`Cannot reach ${location.host}: ${e.message}. Retrying in ` +
			`${Math.round(delay / 1000)} s.`, true);
		setTimeout(start, delay);
		return;
	}
	$('host').textContent = state.info.host;
	document.title = `${state.info.host} - kmscast`;
	if (!state.codecs)
		await probeCodecs();
	const frag = new URLSearchParams(location.hash.slice(1));
	const code = frag.get('code');
	if (frag.get('token'))
		state.token = frag.get('token');
	if (code || state.token)
		history.replaceState(null, '', location.pathname); // neither is kept
	// #chroma=420 asks for 4:2:0 even where 4:4:4 decodes (slow devices).
	if (frag.get('chroma') === '420')
		state.no444 = true;
	if (!state.info.paired && !state.token) {
		if (state.info.credential === 'revoked')
			showMessage("This browser's credential was revoked on this host: pair again " +
				"with a new code.", true);
		else if (state.info.credential === 'unknown')
			showMessage('This host no longer knows this browser (its credential was ' +
				'removed): pair again with a new code.', true);
		askForCode(code);
		return;
	}
	connect();
}

start();
