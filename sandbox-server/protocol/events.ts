// Messages pushed over WebSockets: a session's events socket, and the instructor's dashboard.
import type { EngineSnapshot } from './engine.ts';
import type { ErrorCode } from './errors.ts';
import type { EndCode } from './sessions.ts';
import type { WorkshopProgress, WorkshopState } from './workshops.ts';

export type SessionEvent =
  | { type: 'queue'; position: number }
  | { type: 'sandbox'; state: 'ready' }
  | { type: 'sandbox'; state: 'ended'; reason: string; code: EndCode }
  | { type: 'warning'; reason: 'idle' | 'lifetime'; secondsLeft: number; message: string }
  | { type: 'exercise'; lesson: string; exercise: string; passed: boolean; message: string }
  | { type: 'broadcast'; message: string; from: 'instructor' }
  /** The participant's workshop changed (the instructor extended it): its nav shows the new end at once. */
  | { type: 'workshop'; state: WorkshopState; endsAt: string }
  /** The learner's engine as the Engine tab shows it, whenever it changed (protocol/engine.ts). */
  | { type: 'engine'; snapshot: EngineSnapshot }
  /** The learner's engine could not be read (it misbehaves, or does not answer), in one sentence. */
  | { type: 'engine-problem'; message: string }
  | { type: 'error'; error: string; code: ErrorCode };

/** On a workshop's channel (`workshop:<code>`): what makes the dashboard refresh. */
export type WorkshopEvent =
  | { type: 'progress'; sessionId: string; lesson: string; exercise: string; passed: boolean }
  | { type: 'participant'; sessionId: string; name: string; state: 'joined' | 'prompt' | 'ended' };

/** The room at a glance (the projector): everyone who joined, and those whose sandbox lives and whose terminal has opened. */
export type RoomCounts = { joined: number; atPrompt: number };

/** The dashboard socket sends the whole table, on connect and after changes. */
export type DashboardMessage = { type: 'snapshot'; progress: WorkshopProgress; room: RoomCounts };
