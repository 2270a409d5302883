// A learner's session as the API shows it, and why a session ends.

/** Why a session ended: the stable code clients decide on, and the sentence people read. */
export const END_REASONS = {
  idle: 'idle timeout',
  lifetime: 'maximum lifetime reached',
  learner: 'ended by the learner',
  workshop: 'the workshop has ended',
  lost: 'its sandbox was lost while the server was down',
  unreachable: 'its sandbox stopped and did not come back in time',
} as const;

export type EndCode = keyof typeof END_REASONS;

type BaseView = { id: string; lesson: string | null; workshop: string | null; name: string | null; createdAt: string };

export type LiveSessionView = BaseView & {
  state: 'active';
  /** The lessons the session's workshop covers, in order (empty: the whole course). */
  workshopLessons?: string[];
  expiresAt: string;
  idleExpiresAt: string;
  lifetimeExpiresAt: string;
  sandbox: { id: string; state: 'ready' };
};

export type EndedSessionView = BaseView & {
  state: 'ended';
  endedAt: string | null;
  endReason: string | null;
  endCode: EndCode | null;
  sandbox: { id: string | null; state: 'removed' };
  /** DELETE …?keep=work: whether the work was kept (false when the space for kept work is full). */
  workKept?: boolean;
};

export type SessionView = LiveSessionView | EndedSessionView | QueuedSessionView;

/**
 * What a ticket opens, and nothing else: a session's terminal, its events socket or its web preview
 * (POST /api/sessions/:id/tickets), or the instructor's sockets (POST /api/admin/tickets).
 */
export const TICKET_PURPOSES = ['terminal', 'events', 'preview', 'admin'] as const;
export type TicketPurpose = (typeof TICKET_PURPOSES)[number];
/** The purposes a session's own tickets may have. */
export const SESSION_TICKET_PURPOSES = ['terminal', 'events', 'preview'] as const satisfies readonly TicketPurpose[];
export type SessionTicketPurpose = (typeof SESSION_TICKET_PURPOSES)[number];

/** POST …/tickets: what a WebSocket URL or a preview link carries as `?ticket=`, once, within its life. */
export type TicketView = { ticket: string; purpose: TicketPurpose; expiresInSeconds: number };

/** A session waiting in line for a sandbox (the host is full): its place, 1 being next. */
export type QueuedSessionView = { id: string; state: 'queued'; position: number };

/** POST /api/sessions when the host is full (202): the token is shown this once. */
export type QueuedCreatedView = QueuedSessionView & { token: string };

/** POST /api/sessions: the token is shown this once. */
/** `resumed`: the sandbox started on the learner's kept disk (their files, images, volumes, stopped containers). */
export type CreatedSessionView = LiveSessionView & { token: string; warm: boolean; resumed: boolean };

export type PortsView = { ports: { port: number; container: string; url: string }[] };

export type ProgressView = {
  exercises: Record<
    string,
    { passed: boolean; at?: string; hintsUsed: number; solutionRevealed: boolean; checksFailed: number; message?: string }
  >;
};

export type CheckView = { passed: boolean; message: string };
/** A revealed solution: its Markdown, that rendered, the solve script, and that as a runnable block. */
export type SolutionView = { solution: string; solutionHtml: string; solve: string; solveHtml: string };
