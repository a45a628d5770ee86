// Owns: turning API values into words for people: relative and exact times, role names,
// counts, plus the password generator the user dialogs share.

const MINUTE = 60e3, HOUR = 60 * MINUTE, DAY = 24 * HOUR;

const exactFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' });
const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

function parse(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "just now", "3 min ago", "5 h ago", "2 days ago", or a date when older than a month. */
export function relativeTime(iso, now = Date.now()) {
  const d = parse(iso);
  if (!d) return '';
  const diff = now - d.getTime();
  const past = diff >= 0;
  const abs = Math.abs(diff);
  const say = (n, unit) => (past ? `${n} ${unit} ago` : `in ${n} ${unit}`);
  if (abs < 45e3) return past ? 'just now' : 'in a moment';
  if (abs < HOUR) return say(Math.max(1, Math.round(abs / MINUTE)), 'min');
  if (abs < DAY) return say(Math.round(abs / HOUR), 'h');
  if (abs < 30 * DAY) {
    const n = Math.round(abs / DAY);
    return say(n, n === 1 ? 'day' : 'days');
  }
  return dateFormat.format(d);
}

/** The full local date and time, with the zone, for title attributes. */
export function exactTime(iso) {
  const d = parse(iso);
  return d ? exactFormat.format(d) : '';
}

/** The current wall-clock time in an IANA zone, e.g. "14:05", or '' for an unknown zone. */
export function timeIn(zone, now = Date.now()) {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(now);
  } catch {
    return '';
  }
}

/** The zone's current offset from UTC, e.g. "UTC+1" (or "UTC"), or '' for an unknown zone. */
export function zoneOffset(zone, now = Date.now()) {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'shortOffset' }).formatToParts(now);
    const name = parts.find((p) => p.type === 'timeZoneName');
    return name ? name.value.replace(/^GMT$/, 'UTC').replace(/^GMT/, 'UTC') : '';
  } catch {
    return '';
  }
}

/** An IANA zone name for people: "America/New_York" → "America/New York". */
export const zoneLabel = (zone) => (zone || '').replaceAll('_', ' ');

export const ROLE_LABELS = { admin: 'Admin', technician: 'Technician', client: 'Client contact' };
export const roleLabel = (role) => ROLE_LABELS[role] || role;

export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The client's name on a User, whether the API sends it as a string or as {id, name}. */
export function userClientName(user) {
  if (!user || user.client == null) return '';
  return typeof user.client === 'string' ? user.client : user.client.name || '';
}

/** One or two letters for an avatar: "Jane Fischer" → "JF", "jane.tech@msp.example" → "JT". */
export function initials(user) {
  const source = (user && (user.name || (user.login || '').split('@')[0])) || '?';
  return source.split(/[\s._-]+/).filter(Boolean).slice(0, 2).map((w) => Array.from(w)[0].toUpperCase()).join('') || '?';
}

/** The server's shortest accepted password (it checks again; this only saves a round trip). */
export const MIN_PASSWORD = 12;

/** The hint under every new-password field. */
export const PASSWORD_HINT = `At least ${MIN_PASSWORD} characters; common passwords are refused.`;

/** A 20-character random password without look-alike characters (0/O, 1/l/I). */
export function generatePassword(length = 20) {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!';
  const out = [];
  const bytes = new Uint8Array(length * 2);
  while (out.length < length) {
    crypto.getRandomValues(bytes);
    for (const b of bytes) {
      // Reject bytes past the largest multiple of the alphabet size, so every character is equally likely.
      if (b < 256 - (256 % alphabet.length) && out.length < length) out.push(alphabet[b % alphabet.length]);
    }
  }
  return out.join('');
}

// ---------- fleet numbers ----------

const numberFormat = (digits) => new Intl.NumberFormat(undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const fixed = [0, 1, 2].map((d) => new Intl.NumberFormat(undefined, { maximumFractionDigits: d, minimumFractionDigits: d }));

/** A number with at most `digits` decimals ("3.5", "12"), or '—' when there is none. */
export function num(v, digits = 1) {
  if (v == null || Number.isNaN(v)) return '—';
  return numberFormat(digits).format(v);
}

/** A percentage: "7 %", "42.5 %" (one decimal below 100), '—' when unknown. */
export function pct(v) {
  if (v == null || Number.isNaN(v)) return '—';
  const digits = Math.abs(v) >= 10 ? 0 : 1;
  return `${fixed[digits].format(v)} %`;
}

/** Sizes in binary units: "512 B", "3.2 GiB", "1.8 TiB". */
export function bytes(v, digits = 1) {
  if (v == null || Number.isNaN(v)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let n = Math.abs(v);
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  const d = i === 0 ? 0 : n >= 100 ? 0 : digits;
  return `${v < 0 ? '-' : ''}${fixed[Math.min(d, 2)].format(n)} ${units[i]}`;
}

/** Transfer rates in decimal units, as network tools show them: "0 B/s", "12.4 kB/s", "1.2 MB/s". */
export function rate(v) {
  if (v == null || Number.isNaN(v)) return '—';
  const units = ['B/s', 'kB/s', 'MB/s', 'GB/s', 'TB/s'];
  let i = 0;
  let n = Math.abs(v);
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i += 1; }
  const d = i === 0 || n >= 100 ? 0 : 1;
  return `${fixed[d].format(n)} ${units[i]}`;
}

/** A temperature: "48 °C". */
export const celsius = (v) => (v == null || Number.isNaN(v) ? '—' : `${fixed[v < 10 ? 1 : 0].format(v)} °C`);

/** A duration in seconds for people: "42 s", "17 min", "5 h 12 min", "3 d 4 h". */
export function duration(secs) {
  if (secs == null || Number.isNaN(secs)) return '—';
  const s = Math.max(0, Math.floor(secs));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

/** Power-on hours: "31,204 h (3.6 years)". */
export function hours(h) {
  if (h == null) return '—';
  const years = h / 8766;
  const tail = years >= 1 ? ` (${num(years, 1)} years)` : h >= 48 ? ` (${num(h / 24, 0)} days)` : '';
  return `${num(h, 0)} h${tail}`;
}

/** How full a disk is, as a level: 'ok' below 90 %, 'warn' from 90 %, 'crit' from 95 %. */
export function diskLevel(p) {
  if (p == null) return 'none';
  if (p >= 95) return 'crit';
  if (p >= 90) return 'warn';
  return 'ok';
}

/** The time a date-time string stands for, in unix seconds (or null). */
export function unixSeconds(iso) {
  const d = parse(iso);
  return d ? Math.floor(d.getTime() / 1000) : null;
}

/**
 * The count an ATA SMART attribute's raw value holds, as the server reads it: Seagate's 188
 * Command_Timeout packs three 16-bit counters (8590065666 is 2 timeouts), and the bad-sector and
 * CRC counters keep their count in the low 32 bits. Other attributes are their raw value.
 */
export function attributeCount(id, raw) {
  if (typeof raw !== 'number' || raw < 0) return raw;
  if (id === 188) return raw % 65536;
  if ([5, 187, 197, 198, 199].includes(id)) return raw % 4294967296;
  return raw;
}

/** A SAS/SCSI disk's uncorrected read, write and verify errors together. */
export function scsiUncorrected(s) {
  return s ? (s.uncorrected_read_errors || 0) + (s.uncorrected_write_errors || 0) + (s.uncorrected_verify_errors || 0) : 0;
}
