import { describe, expect, it } from 'vitest';
import { isEmail, looksLikeCidr } from './validation.js';

describe('form validation', () => {
  it('accepts ordinary e-mail addresses and refuses obvious mistakes', () => {
    expect(['dev@example.com', 'first.last+tag@sub.example.co.uk'].every(isEmail)).toBe(true);
    expect(['dev', 'dev@', '@example.com', 'dev@example', 'two@@example.com', 'sp ace@example.com'].some(isEmail)).toBe(false);
  });

  it('accepts IPv4/IPv6 addresses and CIDR ranges', () => {
    expect(['203.0.113.7', '203.0.113.0/24', '0.0.0.0/0', '2001:db8::/32', '::1'].every(looksLikeCidr)).toBe(true);
    expect(['203.0.113.256', '203.0.113.0/33', '2001:db8::/129', 'example.com', '10.0.0.0/8/1', ''].some(looksLikeCidr)).toBe(false);
  });
});
