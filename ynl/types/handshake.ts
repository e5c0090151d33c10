// Types for the YNL spec "handshake" (handshake.yaml), written by `nlsim ynl gen`: do not edit.
// Use: openYnl<HandshakeOps>(spec) — see docs/ynl.md.

export interface HandshakeX509 {
  cert?: number;
  privkey?: number;
}

export interface HandshakeAccept {
  sockfd?: number;
  handlerClass?: "none" | "tlshd" | "max" | number;
  messageType?: "unspec" | "clienthello" | "serverhello" | number;
  timeout?: number;
  authMode?: "unspec" | "unauth" | "psk" | "x509" | number;
  peerIdentity?: Array<number>;
  certificate?: Array<HandshakeX509>;
}

export interface HandshakeDone {
  status?: number;
  sockfd?: number;
  remoteAuth?: Array<number>;
}

/** The operations of handshake, for openYnl<HandshakeOps>(...) */
export interface HandshakeOps {
  /** Notify handlers that a new handshake request is waiting */
  ready: {
    notify: HandshakeAccept;
  };
  /** Handler retrieves next queued handshake request */
  accept: {
    doRequest: Pick<HandshakeAccept, "handlerClass">;
    doReply: HandshakeAccept;
  };
  /** Handler reports handshake completion */
  done: {
    doRequest: Pick<HandshakeDone, "status" | "sockfd" | "remoteAuth">;
  };
}
