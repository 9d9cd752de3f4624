// Phone numbers as Auth hands them over (E.164 digits, "+" optional) and as Aliyun SMS wants them.

/** Digits of an E.164 number, or undefined when it is not one. Mainland mobiles must be +86 1[3-9]x xxxx xxxx. */
export function e164Digits(input: string): string | undefined {
  const digits = input.replace(/[\s+-]/g, '');
  if (!/^[1-9]\d{6,14}$/.test(digits)) return undefined;
  if (digits.startsWith('86') && !/^861[3-9]\d{9}$/.test(digits)) return undefined;
  return digits;
}

/**
 * Aliyun's PhoneNumbers: a mainland number is its 11 digits without the country code; an international one
 * keeps its country code (no "+").
 */
export function aliyunPhoneNumber(digits: string): string {
  return digits.startsWith('86') && digits.length === 13 ? digits.slice(2) : digits;
}
