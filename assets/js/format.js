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

export const ROLE_LABELS = { admin: 'Admin', technician: 'Technician', client: 'Client contact' };
export const roleLabel = (role) => ROLE_LABELS[role] || role;

export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The client's name on a User, whether the API sends it as a string or as {id, name}. */
export function userClientName(user) {
  if (!user || user.client == null) return '';
  return typeof user.client === 'string' ? user.client : user.client.name || '';
}

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
