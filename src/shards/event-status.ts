// What a forwarded event frame did to its event, told by the shard with Kong's answer so the
// supervisor keeps its routes without reading the answer. Kong's rules (busy, ended, terminal
// calls, tombstones) are applied by the shard's LocalInstanceHost; these only report the outcome.
export const EventStatus = {
  /** the channel closed before the answer: the shard is gone */
  LOST: -1,
  /** the event goes on: Kong runs a PDK call and will Step it */
  RUNNING: 0,
  /** the event ended with "ret" */
  ENDED: 1,
  /** the event ended with a terminal call or a failure answer: late Steps get "ret" */
  ENDED_TERMINAL: 2,
  /** an error answer that leaves the event as it was (a Step out of turn) */
  REFUSED: 3,
  /** the shard knows no such event */
  NO_EVENT: 4,
  /** the shard knows no such instance: Kong will start it again */
  NO_INSTANCE: 5,
} as const;
