// Who the learner is inside every sandbox, whatever runs it: the sandbox image creates this user, and
// every path the server reaches in a sandbox is one of these.
export const LEARNER_UID = 1000;
export const LEARNER_HOME = '/home/learner';
/** The learner's working folder: where terminals open, starter files land and the editor looks. */
export const WORKSPACE_DIR = `${LEARNER_HOME}/workspace`;
/** The sandbox image's command that runs the rest of its command line inside the learner's namespaces. */
export const ENTER_AS_LEARNER = 'dockhand-enter';
