// The event on the document that says the learner's workshop changed (the instructor extended or ended
// it): the lesson page learns it from the events socket, the workshop nav shows it.
export const WORKSHOP_CHANGE = 'workshop-change';

export function announceWorkshopChange(): void {
  document.dispatchEvent(new CustomEvent(WORKSHOP_CHANGE));
}
