import { expect, it } from 'vitest';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem } from '../../src/domain/password.js';
import { inviteUrl } from '../../src/domain/invites.js';

it(`a new password has ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters as typed, and is not only spaces`, () => {
  expect(passwordProblem('correct horse battery staple')).toBeUndefined();
  expect(passwordProblem('x'.repeat(PASSWORD_MIN_LENGTH))).toBeUndefined();
  expect(passwordProblem('x'.repeat(PASSWORD_MIN_LENGTH - 1))).toBe('must be at least 12 characters');
  expect(passwordProblem('')).toBe('must be at least 12 characters');
  // Eleven emoji are 22 UTF-16 units but eleven characters: too short. Twelve accented letters are enough.
  expect(passwordProblem('🔑'.repeat(11))).toBe('must be at least 12 characters');
  expect(passwordProblem('é'.repeat(12))).toBeUndefined();
  expect(passwordProblem(' '.repeat(20))).toBe('must not be only spaces');
  expect(passwordProblem('x'.repeat(PASSWORD_MAX_LENGTH + 1))).toBe('must be at most 1024 characters');
});

it('an invite link is the base, /invite and the token in the query, whatever the base ends with', () => {
  expect(inviteUrl('https://keys.brand.test/', 'a-b_c')).toBe('https://keys.brand.test/invite?token=a-b_c');
  expect(inviteUrl('http://127.0.0.1:8080', 'tok')).toBe('http://127.0.0.1:8080/invite?token=tok');
});
