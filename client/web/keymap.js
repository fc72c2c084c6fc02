// SPDX-License-Identifier: MIT
// KeyboardEvent.code (W3C UI Events KeyboardEvent code values) to Linux
// evdev KEY_* codes. Both name positions on the keyboard, not what a key
// types, so the host's own keymap gives them meaning as for a local
// keyboard. Every code value of the specification that a PC keyboard can
// send is here; tests/web/keymap.test.mjs checks the table against
// linux/input-event-codes.h.
export const KEYMAP = {
	// Writing system keys
	Backquote: 41, Backslash: 43, BracketLeft: 26, BracketRight: 27, Comma: 51,
	Digit0: 11, Digit1: 2, Digit2: 3, Digit3: 4, Digit4: 5, Digit5: 6, Digit6: 7, Digit7: 8,
	Digit8: 9, Digit9: 10, Equal: 13, IntlBackslash: 86, IntlRo: 89, IntlYen: 124,
	KeyA: 30, KeyB: 48, KeyC: 46, KeyD: 32, KeyE: 18, KeyF: 33, KeyG: 34, KeyH: 35, KeyI: 23,
	KeyJ: 36, KeyK: 37, KeyL: 38, KeyM: 50, KeyN: 49, KeyO: 24, KeyP: 25, KeyQ: 16, KeyR: 19,
	KeyS: 31, KeyT: 20, KeyU: 22, KeyV: 47, KeyW: 17, KeyX: 45, KeyY: 21, KeyZ: 44,
	Minus: 12, Period: 52, Quote: 40, Semicolon: 39, Slash: 53,
	// Functional keys
	AltLeft: 56, AltRight: 100, Backspace: 14, CapsLock: 58, ContextMenu: 127,
	ControlLeft: 29, ControlRight: 97, Enter: 28, MetaLeft: 125, MetaRight: 126,
	ShiftLeft: 42, ShiftRight: 54, Space: 57, Tab: 15,
	Convert: 92, KanaMode: 93, Lang1: 122, Lang2: 123, Lang3: 90, Lang4: 91, Lang5: 85,
	NonConvert: 94,
	// Control pad
	Delete: 111, End: 107, Help: 138, Home: 102, Insert: 110, PageDown: 109, PageUp: 104,
	// Arrow pad
	ArrowDown: 108, ArrowLeft: 105, ArrowRight: 106, ArrowUp: 103,
	// Numpad
	NumLock: 69, Numpad0: 82, Numpad1: 79, Numpad2: 80, Numpad3: 81, Numpad4: 75,
	Numpad5: 76, Numpad6: 77, Numpad7: 71, Numpad8: 72, Numpad9: 73, NumpadAdd: 78,
	NumpadComma: 121, NumpadDecimal: 83, NumpadDivide: 98, NumpadEnter: 96, NumpadEqual: 117,
	NumpadMultiply: 55, NumpadSubtract: 74, NumpadParenLeft: 179, NumpadParenRight: 180,
	NumpadBackspace: 14, NumpadClear: 355, NumpadClearEntry: 355,
	// Function section
	Escape: 1, F1: 59, F2: 60, F3: 61, F4: 62, F5: 63, F6: 64, F7: 65, F8: 66, F9: 67,
	F10: 68, F11: 87, F12: 88, F13: 183, F14: 184, F15: 185, F16: 186, F17: 187, F18: 188,
	F19: 189, F20: 190, F21: 191, F22: 192, F23: 193, F24: 194,
	Fn: 464, FnLock: 465, PrintScreen: 99, ScrollLock: 70, Pause: 119,
	// Media keys
	BrowserBack: 158, BrowserFavorites: 156, BrowserForward: 159, BrowserHome: 172,
	BrowserRefresh: 173, BrowserSearch: 217, BrowserStop: 128, Eject: 161,
	LaunchApp1: 157, LaunchApp2: 140, LaunchMail: 155, MediaPlayPause: 164,
	MediaSelect: 226, MediaStop: 166, MediaTrackNext: 163, MediaTrackPrevious: 165,
	Power: 116, Sleep: 142, WakeUp: 143,
	AudioVolumeDown: 114, AudioVolumeMute: 113, AudioVolumeUp: 115,
	// Legacy and editing keys
	Again: 129, Copy: 133, Cut: 137, Find: 136, Open: 134, Paste: 135, Props: 130,
	Select: 353, Undo: 131, Hiragana: 91, Katakana: 90,
};
