// Content moderation before a model sees user input and before a user sees model output. Offline: a local
// rule list (MODERATION_BLOCKLIST); the Aliyun content moderation adapter plugs in behind the same interface.
export interface ModerationVerdict {
  allowed: boolean;
  labels: string[];
}

export interface Moderator {
  readonly name: string;
  review(text: string, stage: 'input' | 'output'): Promise<ModerationVerdict>;
}

/** Blocks text containing any listed term (case-insensitive, width-normalised for CJK look-alikes). */
export class LocalRuleModerator implements Moderator {
  readonly name = 'local-rules';
  private readonly terms: string[];
  constructor(terms: string[]) {
    this.terms = terms.map((t) => t.normalize('NFKC').toLowerCase()).filter(Boolean);
  }
  review(text: string): Promise<ModerationVerdict> {
    const normal = text.normalize('NFKC').toLowerCase();
    const hits = this.terms.filter((t) => normal.includes(t));
    return Promise.resolve({ allowed: hits.length === 0, labels: hits.length ? ['blocklist'] : [] });
  }
}

export const SAFE_REPLACEMENT = '抱歉，这条内容无法显示。/ Sorry, this content cannot be shown.';
