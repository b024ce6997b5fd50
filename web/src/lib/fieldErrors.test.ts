import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.js';
import { fieldErrorsOf, sentence } from './fieldErrors.js';

describe('field errors', () => {
  it('keys the server’s field errors by field name', () => {
    const error = new ApiError(400, 'The request has invalid fields.', [
      { field: 'name', message: 'is required' },
      { field: 'rateLimit.limit', message: 'must be an integer from 1 to 10000000' },
    ]);
    expect(fieldErrorsOf(error)).toEqual({ name: 'is required', 'rateLimit.limit': 'must be an integer from 1 to 10000000' });
    expect(fieldErrorsOf(new Error('network'))).toEqual({});
  });

  it('turns a lower-case fragment into a sentence naming the field', () => {
    expect(sentence('Token Name', 'is required')).toBe('Token Name is required');
    expect(sentence('Token Name', 'Pick another name.')).toBe('Pick another name.');
    expect(sentence('Token Name', undefined)).toBeUndefined();
  });
});
