// Types for the YNL spec "nlctrl" (nlctrl.yaml), written by `nlsim ynl gen`: do not edit.
// Use: openYnl<NlctrlOps>(spec) — see docs/ynl.md.

export interface NlctrlCtrlAttrs {
  familyId?: number;
  familyName?: string;
  version?: number;
  hdrsize?: number;
  maxattr?: number;
  ops?: Array<NlctrlOpAttrs>;
  mcastGroups?: Array<NlctrlMcastGroupAttrs>;
  policy?: Record<number, Record<number, NlctrlPolicyAttrs>>;
  opPolicy?: Record<number, NlctrlOpPolicyAttrs>;
  op?: number;
}

export interface NlctrlMcastGroupAttrs {
  name?: string;
  id?: number;
}

export interface NlctrlOpAttrs {
  id?: number;
  flags?: Array<"admin-perm" | "cmd-cap-do" | "cmd-cap-dump" | "cmd-cap-haspol" | "uns-admin-perm" | number>;
}

export interface NlctrlPolicyAttrs {
  type?: "invalid" | "flag" | "u8" | "u16" | "u32" | "u64" | "s8" | "s16" | "s32" | "s64" | "binary" | "string" | "nul-string" | "nested" | "nested-array" | "bitfield32" | "sint" | "uint" | number;
  minValueS?: bigint;
  maxValueS?: bigint;
  minValueU?: bigint;
  maxValueU?: bigint;
  minLength?: number;
  maxLength?: number;
  policyIdx?: number;
  policyMaxtype?: number;
  bitfield32Mask?: number;
  mask?: bigint;
}

export interface NlctrlOpPolicyAttrs {
  do?: number;
  dump?: number;
}

/** The operations of nlctrl, for openYnl<NlctrlOps>(...) */
export interface NlctrlOps {
  /** Get / dump genetlink families */
  getfamily: {
    doRequest: Pick<NlctrlCtrlAttrs, "familyName">;
    doReply: NlctrlCtrlAttrs;
    dumpReply: NlctrlCtrlAttrs;
  };
  /** Get / dump genetlink policies */
  getpolicy: {
    dumpRequest: Pick<NlctrlCtrlAttrs, "familyName" | "familyId" | "op">;
    dumpReply: NlctrlCtrlAttrs;
  };
}
