// Growth Diary's app id and the wallet currency its points are kept in (seed/02_wallet_currencies.sql).
export const APP = 'diary';
export const CURRENCY = 'points';
