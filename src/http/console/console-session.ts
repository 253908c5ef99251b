import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminSession } from '../../domain/accounts/admin-service.js';
import type { Actor } from '../../domain/actor.js';

declare module 'fastify' {
  interface FastifyRequest {
    admin?: AdminSession;
  }
}

export interface CookiePolicy {
  name: string;
  secure: boolean;
}

/** `__Host-` binds the cookie to this exact origin when served over HTTPS. */
export function sessionCookiePolicy(publicUrl: string): CookiePolicy {
  const secure = publicUrl.startsWith('https://');
  return { name: secure ? '__Host-ssb_session' : 'ssb_session', secure };
}

export function setSessionCookie(reply: FastifyReply, policy: CookiePolicy, token: string, expiresAt: number, now: number): void {
  reply.setCookie(policy.name, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: policy.secure,
    maxAge: Math.floor((expiresAt - now) / 1000),
  });
}

export function clearSessionCookie(reply: FastifyReply, policy: CookiePolicy): void {
  reply.clearCookie(policy.name, { path: '/', httpOnly: true, sameSite: 'strict', secure: policy.secure });
}

/** The actor for a console request; routes behind the session hook always have an admin. */
export function adminActor(request: FastifyRequest): Actor {
  const admin = request.admin;
  if (!admin) throw new Error('adminActor called on a request without a session');
  return { kind: 'admin', id: admin.adminId, label: admin.email, accountId: admin.accountId, sourceIp: request.ip };
}

/** A CSRF token for a form on this page, bound to the admin's session (or to "anonymous"). */
export function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
  return reply.generateCsrf({ userInfo: request.admin?.sessionId ?? 'anonymous' });
}
