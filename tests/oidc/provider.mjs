#!/usr/bin/env node
// Real OpenID Connect provider (panva/oidc-provider) for checkout-desk's integration tests.
//
// Usage:  node provider.mjs --port N --config FILE [--ignore-stdin]
//   (env fallbacks: OIDC_PORT, OIDC_CONFIG)
//
// Stdout: exactly one line, `ISSUER=http://127.0.0.1:N`, once the server listens. Everything
// else (oidc-provider notices, errors) goes to stderr. No secrets, tokens or passwords are logged.
// Lifetime: exits when stdin reaches EOF (spawn it with a piped stdin and keep the handle; the
// child then dies with the test process), on SIGTERM and on SIGINT. `--ignore-stdin` turns the
// stdin watch off for manual runs.
//
// Config FILE (JSON):
//   { "clients": [ { "client_id", "client_secret", "redirect_uris": [..],
//                    "post_logout_redirect_uris": [..],
//                    "token_endpoint_auth_method"?: "client_secret_basic" (default) | "client_secret_post",
//                    "skip_consent"?: bool } ],
//     "users":   [ { "sub", "password", "email", "email_verified", "name", "roles": [..],
//                    "company_id": "<guid>" | null } ],
//     "access_token_audience": "checkout-desk-api",   // `aud` of JWT access tokens
//     "access_token_resource"?: "urn:checkout-desk-api", // resource indicator (must be an absolute
//                    // URI); default: the audience itself if it is an absolute URI, else "urn:<audience>"
//     "access_token_ttl": 300,                         // seconds
//     "skip_consent"?: false }                         // default for clients without their own flag
//
// Endpoints (issuer http://127.0.0.1:N): /.well-known/openid-configuration, /auth, /token, /jwks,
// /me (userinfo), /session/end (RP-initiated logout), /token/revocation, /token/introspection.
//
// Interaction pages (plain HTML, no JavaScript). UID is in the path; the provider's cookies
// (_interaction, _interaction.sig with path /interaction/UID; _interaction_resume(.sig) with path
// /auth/UID; _session(.sig) with path /) must be kept by a cookie jar that honours paths.
//   GET  /auth?...                    -> 303 Location: /interaction/UID
//   GET  /interaction/UID             -> 200 HTML. Login prompt:
//          <form method="post" action="/interaction/UID/login">  fields: login, password
//        Consent prompt:
//          <form method="post" action="/interaction/UID/confirm"> (no fields)
//        Both pages also have <form method="post" action="/interaction/UID/abort"> (deny/cancel).
//   POST /interaction/UID/login       (application/x-www-form-urlencoded: login=<sub or email>&password=..)
//          ok    -> 303 Location: http://127.0.0.1:N/auth/UID
//          wrong -> 200 login form again, containing `<p class="error">Invalid login or password</p>`
//   POST /interaction/UID/confirm     -> 303 Location: http://127.0.0.1:N/auth/UID
//   POST /interaction/UID/abort       -> 303 Location: http://127.0.0.1:N/auth/UID, which then
//          redirects to redirect_uri?error=access_denied&error_description=...&state=..&iss=..
//   GET  /auth/UID (resume)           -> 303 to the next interaction (/interaction/UID2 for consent)
//          or to redirect_uri?code=..&state=..&iss=http%3A%2F%2F127.0.0.1%3AN
//   With skip_consent the consent step is skipped (grant created automatically).
//   Logout: GET /session/end?id_token_hint=..&post_logout_redirect_uri=..&state=..  (or client_id=..)
//          -> 200 HTML <form method="post" action="/session/end/confirm"> with hidden `xsrf` and
//             a submit button name="logout" value="yes";
//          POST /session/end/confirm  xsrf=..&logout=yes -> 303 post_logout_redirect_uri?state=..
//          (If the browser has no session, GET /session/end returns an auto-submitting form with the
//           same fields plus a <noscript> button; POSTing it works the same way.)

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { format } from 'node:util';

import Provider, { errors } from 'oidc-provider';

// ---- keep stdout for the ISSUER line only ---------------------------------------------------
const toStderr = (...args) => process.stderr.write(`${format(...args)}\n`);
console.log = toStderr;
console.info = toStderr;
console.warn = toStderr;
console.debug = toStderr;

// ---- arguments ------------------------------------------------------------------------------
function parseArgs(argv) {
  const out = { port: process.env.OIDC_PORT, config: process.env.OIDC_CONFIG, ignoreStdin: false };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--port') out.port = argv[++i];
    else if (a.startsWith('--port=')) out.port = a.slice(7);
    else if (a === '--config') out.config = argv[++i];
    else if (a.startsWith('--config=')) out.config = a.slice(9);
    else if (a === '--ignore-stdin') out.ignoreStdin = true;
    else {
      toStderr(`unknown argument: ${a}`);
      process.exit(2);
    }
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const port = Number.parseInt(args.port, 10);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  toStderr('usage: node provider.mjs --port N --config FILE [--ignore-stdin]');
  process.exit(2);
}
if (!args.config) {
  toStderr('missing --config FILE');
  process.exit(2);
}

const config = JSON.parse(fs.readFileSync(args.config, 'utf8'));
const users = config.users ?? [];
const audience = config.access_token_audience ?? 'checkout-desk-api';
const accessTokenTTL = Number(config.access_token_ttl ?? 300);
const resourceIndicator = config.access_token_resource
  ?? (URL.canParse(audience) ? audience : `urn:${audience}`);
const defaultSkipConsent = config.skip_consent === true;
const skipConsentFor = new Map((config.clients ?? []).map((c) => [
  c.client_id, c.skip_consent ?? defaultSkipConsent,
]));

const issuer = `http://127.0.0.1:${port}`;
const SCOPES = ['openid', 'offline_access', 'email', 'profile', 'roles'];
const API_SCOPE = 'openid email profile roles';

// ---- keys -----------------------------------------------------------------------------------
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `test-rsa-${crypto.randomBytes(6).toString('hex')}`,
  alg: 'RS256',
  use: 'sig',
};

// ---- accounts -------------------------------------------------------------------------------
function findUser(idOrEmail) {
  return users.find((u) => u.sub === idOrEmail)
    ?? users.find((u) => u.email && u.email.toLowerCase() === String(idOrEmail).toLowerCase());
}

function rolesClaims(user) {
  const out = { realm_access: { roles: [...(user.roles ?? [])] } };
  if (user.company_id !== null && user.company_id !== undefined) out.company_id = user.company_id;
  return out;
}

function accountFor(user) {
  return {
    accountId: user.sub,
    // oidc-provider filters this by the granted scopes/claims (see `claims` below).
    async claims() {
      return {
        sub: user.sub,
        email: user.email,
        email_verified: user.email_verified ?? false,
        name: user.name,
        ...rolesClaims(user),
      };
    },
  };
}

function passwordMatches(user, password) {
  const a = Buffer.from(String(user.password ?? ''));
  const b = Buffer.from(String(password ?? ''));
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

// ---- HTML -----------------------------------------------------------------------------------
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

function page(title, body) {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title></head>
<body>
<h1>${esc(title)}</h1>
${body}
</body></html>
`;
}

function loginPage(uid, clientId, { error, login } = {}) {
  return page('Sign in', `<p>Client: <code>${esc(clientId)}</code></p>
${error ? `<p class="error">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
  <label>Login <input type="text" name="login" value="${esc(login)}" autofocus></label>
  <label>Password <input type="password" name="password"></label>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${esc(uid)}/abort">
  <button type="submit">Cancel</button>
</form>`);
}

function consentPage(uid, clientId, scopes) {
  return page('Authorize', `<p>Client <code>${esc(clientId)}</code> requests: <code>${esc(scopes.join(' '))}</code></p>
<form method="post" action="/interaction/${esc(uid)}/confirm">
  <button type="submit">Allow</button>
</form>
<form method="post" action="/interaction/${esc(uid)}/abort">
  <button type="submit">Deny</button>
</form>`);
}

// ---- provider -------------------------------------------------------------------------------
async function autoGrant(ctx) {
  const { provider: p, client, session } = ctx.oidc;
  const grant = new p.Grant({ accountId: session.accountId, clientId: client.clientId });
  grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
  for (const [indicator, rs] of Object.entries(ctx.oidc.resourceServers ?? {})) {
    grant.addResourceScope(indicator, rs.scope);
  }
  await grant.save();
  return grant;
}

const provider = new Provider(issuer, {
  clients: (config.clients ?? []).map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris ?? [],
    post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
    application_type: 'web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  })),
  jwks: { keys: [signingJwk] },
  scopes: SCOPES,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    roles: ['realm_access', 'company_id'],
  },
  // Put the claims of the granted scopes into the ID token itself, not only into userinfo.
  conformIdTokenClaims: false,
  responseTypes: ['code'],
  pkce: { required: () => true, methods: ['S256'] },
  cookies: {
    keys: [crypto.randomBytes(32).toString('hex')],
    long: { httpOnly: true, sameSite: 'lax', secure: false, signed: true },
    short: { httpOnly: true, sameSite: 'lax', secure: false, signed: true },
  },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        const action = /action="([^"]*)"/.exec(form)?.[1] ?? '/session/end/confirm';
        const xsrf = /name="xsrf" value="([^"]*)"/.exec(form)?.[1] ?? '';
        ctx.type = 'html';
        ctx.body = page('Sign out', `<form method="post" action="${esc(action)}">
  <input type="hidden" name="xsrf" value="${esc(xsrf)}">
  <button type="submit" name="logout" value="yes">Yes, sign me out</button>
  <button type="submit">No, stay signed in</button>
</form>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.type = 'html';
        ctx.body = page('Signed out', '<p>You are signed out.</p>');
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => resourceIndicator,
      // Authorization-code exchange with scope=openid would otherwise issue an opaque
      // userinfo token unless `resource` is repeated at the token endpoint.
      useGrantedResource: async () => true,
      async getResourceServerInfo(_ctx, indicator) {
        if (indicator !== resourceIndicator) throw new errors.InvalidTarget();
        return {
          scope: API_SCOPE,
          audience,
          accessTokenTTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  async extraTokenClaims(_ctx, token) {
    if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
    const user = findUser(token.accountId);
    if (!user) return undefined;
    // As Keycloak does: the e-mail and whether it is verified ride in the access token too.
    return { ...rolesClaims(user), email: user.email, email_verified: Boolean(user.email_verified) };
  },
  async findAccount(_ctx, sub) {
    const user = users.find((u) => u.sub === sub);
    return user ? accountFor(user) : undefined;
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    if (skipConsentFor.get(ctx.oidc.client.clientId)) return autoGrant(ctx);
    return undefined;
  },
  interactions: {
    url: async (_ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  ttl: {
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTTL,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
    RefreshToken: 3600,
    ClientCredentials: 300,
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', Object.entries(out)
      .map(([k, v]) => `<p><strong>${esc(k)}</strong>: <span class="${esc(k)}">${esc(v)}</span></p>`)
      .join('\n'));
  },
});

for (const ev of ['server_error', 'authorization.error', 'grant.error', 'end_session.error',
  'userinfo.error', 'introspection.error', 'revocation.error', 'jwks.error', 'discovery.error']) {
  provider.on(ev, (_ctx, err) => {
    toStderr(`[oidc] ${ev}: ${err?.error ?? err?.name ?? 'error'}${err?.error_description ? ` (${err.error_description})` : ''}`);
  });
}

// ---- interaction routes (plain node:http, no express) ---------------------------------------
async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

async function handleInteraction(req, res, uid, action) {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    send(res, 400, page('Error', `<p class="error">interaction not found or expired (${esc(err.name)})</p>`));
    return;
  }
  if (details.uid !== uid) {
    send(res, 400, page('Error', '<p class="error">interaction mismatch</p>'));
    return;
  }
  const { prompt, params } = details;
  const clientId = params.client_id;

  if (req.method === 'GET' && action === undefined) {
    if (prompt.name === 'login') {
      send(res, 200, loginPage(uid, clientId, { login: params.login_hint }));
    } else {
      send(res, 200, consentPage(uid, clientId, String(params.scope ?? '').split(' ').filter(Boolean)));
    }
    return;
  }

  if (req.method !== 'POST') {
    send(res, 405, page('Error', '<p class="error">method not allowed</p>'));
    return;
  }

  const form = await readForm(req);

  if (action === 'login') {
    if (prompt.name !== 'login') {
      send(res, 400, page('Error', '<p class="error">login is not the pending prompt</p>'));
      return;
    }
    const login = form.get('login') ?? '';
    const user = findUser(login);
    if (!user || !passwordMatches(user, form.get('password'))) {
      send(res, 200, loginPage(uid, clientId, { error: 'Invalid login or password', login }));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, {
      mergeWithLastSubmission: false,
    });
    return;
  }

  if (action === 'confirm') {
    if (prompt.name !== 'consent') {
      send(res, 400, page('Error', '<p class="error">consent is not the pending prompt</p>'));
      return;
    }
    const { details: missing } = prompt;
    let grant;
    if (details.grantId) {
      grant = await provider.Grant.find(details.grantId);
    } else {
      grant = new provider.Grant({ accountId: details.session.accountId, clientId });
    }
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    if (missing.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    const consent = details.grantId ? {} : { grantId };
    await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
    return;
  }

  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    return;
  }

  send(res, 404, page('Error', '<p class="error">unknown interaction action</p>'));
}

const providerCallback = provider.callback();
const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?\/?$/;

const server = http.createServer((req, res) => {
  const { pathname } = new URL(req.url, issuer);
  const m = INTERACTION.exec(pathname);
  if (!m) {
    providerCallback(req, res);
    return;
  }
  handleInteraction(req, res, m[1], m[2]).catch((err) => {
    toStderr(`[oidc] interaction error: ${err?.name ?? 'Error'}: ${err?.message ?? ''}`);
    if (!res.headersSent) send(res, 500, page('Error', '<p class="error">internal error</p>'));
    else res.end();
  });
});

function shutdown(code = 0) {
  server.close();
  server.closeAllConnections?.();
  process.exit(code);
}

process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));

if (!args.ignoreStdin) {
  process.stdin.on('end', () => shutdown(0));
  process.stdin.on('close', () => shutdown(0));
  process.stdin.on('error', () => shutdown(0));
  process.stdin.on('data', () => {}); // discard input, keep flowing so 'end' fires
  process.stdin.resume();
}

server.on('error', (err) => {
  toStderr(`[oidc] listen error: ${err.code ?? err.message}`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ISSUER=${issuer}\n`);
});
