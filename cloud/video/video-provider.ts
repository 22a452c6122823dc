/** What a provider is asked for: a room for one appointment, valid for its time. */
export interface RoomRequest {
  readonly appointmentId: number;
  readonly startsAt: Date;
  readonly endsAt: Date;
}

/** Join details, stored with the appointment and served from the database. */
export interface RoomDetails {
  readonly roomName: string;
  /** For the doctor (moderator). */
  readonly hostUrl: string;
  /** For the patient. */
  readonly joinUrl: string;
}

/**
 * A video-consultation provider. Called only by the background room job, never in a request, with
 * an AbortSignal that enforces the timeout. Throw PermanentError for refusals that retrying
 * cannot fix.
 */
export interface VideoProvider {
  readonly name: string;
  createRoom(request: RoomRequest, signal: AbortSignal): Promise<RoomDetails>;
}
