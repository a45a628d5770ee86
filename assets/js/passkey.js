// Owns: the browser side of WebAuthn passkeys. The server sends the options for
// navigator.credentials.create/get as JSON with binary fields in base64url; these helpers turn
// them into ArrayBuffers, call the browser, and turn its answer back into JSON for the server.

/** Whether this browser (and this page: HTTPS or localhost) can use passkeys at all. */
export const passkeysSupported = () => typeof window.PublicKeyCredential === 'function' && window.isSecureContext;

/** base64url (no padding) → ArrayBuffer. */
export function fromBase64url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const bytes = atob(b64);
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes.charCodeAt(i);
  return out.buffer;
}

/** ArrayBuffer (or view) → base64url without padding. */
export function toBase64url(buffer) {
  const bytes = ArrayBuffer.isView(buffer)
    ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A copy without null members, which the browser's dictionaries refuse. */
function withoutNulls(value) {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
  }
  return value;
}

const decodeIds = (list) => (list || []).map((c) => ({ ...c, id: fromBase64url(c.id) }));

/** A plain sentence for the DOMExceptions the browser throws, which read like code. */
function sentence(err) {
  if (err && err.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out.';
  if (err && err.name === 'InvalidStateError') return 'This device has a passkey for your account here already.';
  if (err && err.name === 'SecurityError') {
    return `Passkeys work only at the server's own address (${location.host} is not it), over HTTPS.`;
  }
  return (err && err.message) || 'The passkey request failed.';
}

async function call(fn) {
  try {
    return await fn();
  } catch (err) {
    throw new Error(sentence(err));
  }
}

/** Makes a passkey from the server's creation options; answers the credential as JSON. */
export async function createPasskey(options) {
  const pk = withoutNulls(options.publicKey);
  const publicKey = {
    ...pk,
    challenge: fromBase64url(pk.challenge),
    user: { ...pk.user, id: fromBase64url(pk.user.id) },
    excludeCredentials: decodeIds(pk.excludeCredentials),
  };
  const cred = await call(() => navigator.credentials.create({ publicKey }));
  const transports = typeof cred.response.getTransports === 'function' ? cred.response.getTransports() : undefined;
  return {
    id: cred.id,
    rawId: toBase64url(cred.rawId),
    type: cred.type,
    response: {
      attestationObject: toBase64url(cred.response.attestationObject),
      clientDataJSON: toBase64url(cred.response.clientDataJSON),
      transports,
    },
    extensions: {},
  };
}

/** Signs the server's login challenge with one of the user's passkeys; answers it as JSON. */
export async function getPasskey(options) {
  const pk = withoutNulls(options.publicKey);
  const publicKey = { ...pk, challenge: fromBase64url(pk.challenge), allowCredentials: decodeIds(pk.allowCredentials) };
  const cred = await call(() => navigator.credentials.get({ publicKey }));
  const r = cred.response;
  return {
    id: cred.id,
    rawId: toBase64url(cred.rawId),
    type: cred.type,
    response: {
      authenticatorData: toBase64url(r.authenticatorData),
      clientDataJSON: toBase64url(r.clientDataJSON),
      signature: toBase64url(r.signature),
      userHandle: r.userHandle ? toBase64url(r.userHandle) : null,
    },
    extensions: {},
  };
}
