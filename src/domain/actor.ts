/** Who is doing something: a signed-in user, or an operator at the shell (the CLI), which has no role to check. */
export type Actor = { kind: 'user'; userId: string; ip?: string } | { kind: 'operator'; label: string };

export const operator = (label = 'cli'): Actor => ({ kind: 'operator', label });
export const actorUserId = (actor: Actor) => (actor.kind === 'user' ? actor.userId : null);
