// The one reading of an `Authorization: Bearer <token>` header, shared by the functions, the local gateway and the
// emulators: the token, or undefined when the header is missing or of another scheme.
export function bearerOf(header: string | null | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}
