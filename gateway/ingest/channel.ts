/**
 * The one interface every device transport implements (WebSocket, HL7/MLLP, serial), after
 * Medplum agent's `Channel`. Transports only parse, authenticate and reply; storage, alarms and
 * the UI are behind `IngestSink`, so a transport never touches SQLite.
 */
export interface Channel {
  /** Stable name for logs and the device list, e.g. `websocket`, `mllp`, `serial:/dev/ttyUSB0`. */
  readonly name: string;
  start(): Promise<void>;
  /** Stops accepting input and closes connections; pending commits still get their replies. */
  stop(): Promise<void>;
}
