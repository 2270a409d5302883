// Anonymous learners: created without an account, recognised by their token, moved to another browser
// with their resume code (the token's readable spelling, protocol/learners.ts). Only a hash of the token
// is stored. Creating learners and trying resume codes are rate-limited per client address (learners made
// to join a workshop, per its room: rate-limit.ts); a wrong code gets one sentence whether or not anyone
// has it. A token presented as such (GET /api/learners/me, a new
// session) is the same secret as a resume code: wrong ones count against the same tries, and once they
// are used up every token from that client is refused before it is looked up.
import { randomInt } from 'node:crypto';
import { DockhandError } from '../errors.ts';
import { normalizeResumeCode, RESUME_CODE_ALPHABET, RESUME_CODE_LENGTH } from '../protocol/learners.ts';
import type { LearnerRecord, Store } from '../store/store.ts';
import { createRateLimit, type Rate, type Room } from './rate-limit.ts';
import { hashToken, newSessionId } from './tokens.ts';

export type LearnerLimits = {
  /** New learners per client address (DOCKHAND_LEARNERS_PER_MINUTE). */
  create: Rate;
  /** Resume codes tried per client address (DOCKHAND_RESUME_TRIES_PER_MINUTE). */
  resume: Rate;
};

export type Learners = {
  /**
   * A new learner and its token (shown this once); DockhandError rate_limited when the address made too
   * many (in `room`, when made to join that workshop).
   */
  create(client: string, now?: number, room?: Room): { learner: LearnerRecord; token: string };
  /** The learner whose token this is (for the server's own use: no limit). */
  authenticate(token: string | undefined): LearnerRecord | undefined;
  /** The learner whose token a client presents; DockhandError unknown_learner, or rate_limited after too many wrong ones. */
  identify(token: string | undefined, client: string, now?: number): LearnerRecord;
  /** The learner a resume code stands for, with its token; DockhandError wrong_resume_code or rate_limited. */
  resume(code: string, client: string, now?: number): { learner: LearnerRecord; token: string };
};

export const WRONG_RESUME_CODE = 'that resume code does not open a learner here; check it on the device where you started';

export function newLearnerToken(): string {
  return Array.from({ length: RESUME_CODE_LENGTH }, () => RESUME_CODE_ALPHABET[randomInt(RESUME_CODE_ALPHABET.length)]).join('');
}

export function createLearners(store: Store, limits: LearnerLimits): Learners {
  const creations = createRateLimit(limits.create);
  const tries = createRateLimit(limits.resume);
  const authenticate = (token: string | undefined) => (token ? store.learnerByTokenHash(hashToken(token)) : undefined);

  return {
    create(client, now = Date.now(), room) {
      const wait = room ? creations.takeInRoom(client, room, now) : creations.take(client, now);
      if (wait !== undefined)
        throw new DockhandError('rate_limited', `too many new learners from your address; try again in ${wait} s`, wait);
      const token = newLearnerToken();
      return { learner: store.createLearner({ id: newSessionId(), tokenHash: hashToken(token), createdAt: now }), token };
    },
    authenticate,
    identify(token, client, now = Date.now()) {
      const wait = tries.check(client, now);
      if (wait !== undefined)
        throw new DockhandError('rate_limited', `too many wrong learner tokens from your address; try again in ${wait} s`, wait);
      const learner = authenticate(token);
      if (learner) return learner;
      tries.take(client, now);
      throw new DockhandError('unknown_learner', 'missing or unknown learner token; make a new learner (POST /api/learners) or resume one');
    },
    resume(code, client, now = Date.now()) {
      const wait = tries.take(client, now);
      if (wait !== undefined)
        throw new DockhandError('rate_limited', `too many resume codes tried from your address; try again in ${wait} s`, wait);
      const token = normalizeResumeCode(code);
      const learner = token ? authenticate(token) : undefined;
      if (!learner || !token) throw new DockhandError('wrong_resume_code', WRONG_RESUME_CODE);
      return { learner, token };
    },
  };
}
