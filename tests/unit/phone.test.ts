import { describe, expect, it } from 'vitest';
import { aliyunPhoneNumber, e164Digits } from '../../functions/_shared/phone.ts';

describe('phone numbers', () => {
  it('accepts E.164 with or without +, and mainland mobiles only in their real shape', () => {
    expect(e164Digits('+86 138 0013 8000')).toBe('8613800138000');
    expect(e164Digits('8613800138000')).toBe('8613800138000');
    expect(e164Digits('+14155550123')).toBe('14155550123');
    expect(e164Digits('+8612345678901')).toBeUndefined();
    expect(e164Digits('+86138001380')).toBeUndefined();
    expect(e164Digits('0138')).toBeUndefined();
    expect(e164Digits('call me')).toBeUndefined();
  });

  it('gives Aliyun mainland numbers without the country code, others with it', () => {
    expect(aliyunPhoneNumber('8613800138000')).toBe('13800138000');
    expect(aliyunPhoneNumber('85291234567')).toBe('85291234567');
  });
});
