// nlsim_netlink: AF_NETLINK sockets for Node, as thin as a C program's syscalls.
//
// Every call is synchronous and returns what the kernel returned: a number (fd, byte count, 0)
// or a plain object, or {errno, code} when the syscall failed. Wrong JS types throw a TypeError;
// out-of-range values and fds this addon did not open give {errno: "EBADF"/"EINVAL"}. Nothing
// here may crash the process: no assert, no abort, no unchecked allocation, no fd we do not own.
//
// Readiness comes from uv_poll_t on Node's own loop, so nothing ever blocks the event loop as
// long as the caller receives with MSG_DONTWAIT after a readable callback.

#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "errno_list.h"

#ifdef __linux__
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#define NLSIM_HAVE_NETLINK 1
#endif

namespace {

// ---- limits: a size above these is refused with EINVAL rather than allocated ----------------
constexpr int64_t kMaxRecv = 64 * 1024 * 1024;        // one recvmsg buffer
constexpr int64_t kMaxBatchBytes = 256 * 1024 * 1024;  // recvmmsg count * size
constexpr int64_t kMaxBatchCount = 1024;               // recvmmsg count (UIO_MAXIOV)
constexpr int64_t kMaxOpt = 1024 * 1024;               // getsockopt buffer
constexpr size_t kControlSpace = 512;                  // cmsg buffer per datagram

// nlsim's own poll bit: libuv saw POLLERR (a pending sk_err such as ENOBUFS).
constexpr int kPollError = 16;

// A condition reported as {errno}: thrown by argument helpers, caught by Guard.
struct ErrnoFail {
  int err;
};

const char* ErrnoName(int e) {
  switch (e) {
#define NLSIM_ERRNO_CASE(name) \
  case name:                   \
    return #name;
    NLSIM_ERRNO_LIST(NLSIM_ERRNO_CASE)
#undef NLSIM_ERRNO_CASE
    default:
      return nullptr;
  }
}

Napi::Object ErrnoObject(Napi::Env env, int e) {
  Napi::Object o = Napi::Object::New(env);
  const char* name = ErrnoName(e);
  o.Set("errno", name != nullptr ? std::string(name) : "E" + std::to_string(e));
  o.Set("code", Napi::Number::New(env, e));
  return o;
}

// ---- per-environment state (main thread and each worker have their own) ---------------------
struct PollHandle;

// The fds this addon opened and has not closed: one byte per fd number, so the check on every
// call (FdArg, the fast path) is an index, not a hash lookup.
class FdSet {
 public:
  void insert(int fd) {
    if (fd < 0) return;
    if (static_cast<size_t>(fd) >= owned_.size()) owned_.resize(static_cast<size_t>(fd) + 64, 0);
    owned_[static_cast<size_t>(fd)] = 1;
  }
  void erase(int fd) {
    if (fd >= 0 && static_cast<size_t>(fd) < owned_.size()) owned_[static_cast<size_t>(fd)] = 0;
  }
  size_t count(int fd) const {
    return fd >= 0 && static_cast<size_t>(fd) < owned_.size() && owned_[static_cast<size_t>(fd)] != 0 ? 1 : 0;
  }
  std::vector<int> list() const {
    std::vector<int> out;
    for (size_t i = 0; i < owned_.size(); i++)
      if (owned_[i] != 0) out.push_back(static_cast<int>(i));
    return out;
  }
  void clear() { owned_.clear(); }

 private:
  std::vector<uint8_t> owned_;
};

struct State {
  napi_env env = nullptr;
  FdSet fds;                                        // sockets this addon opened and has not closed
  std::unordered_map<uint32_t, PollHandle*> polls;  // active pollers by id
  std::unordered_map<int, uint32_t> pollByFd;       // one poller per fd (libuv's rule)
  uint32_t nextPollId = 1;
  int closing = 0;  // uv_close callbacks still to come
  bool tearingDown = false;
  napi_async_cleanup_hook_handle cleanupHook = nullptr;
};

struct PollHandle {
  uv_poll_t handle;
  State* state;
  uint32_t id;
  int fd;
  int events;
  Napi::FunctionReference callback;
  napi_async_context asyncContext = nullptr;
  bool active = true;
};

State* GetState(Napi::Env env) { return env.GetInstanceData<State>(); }

// ---- argument helpers ------------------------------------------------------------------------
double NumberArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  }
  return info[i].As<Napi::Number>().DoubleValue();
}

bool IsIntegral(double v) { return v == v && v >= -9007199254740991.0 && v <= 9007199254740991.0 && v == static_cast<double>(static_cast<int64_t>(v)); }

// A C int argument (level, option name, protocol, type): must be an integer in int range.
int IntArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  double v = NumberArg(info, i, what);
  if (!IsIntegral(v) || v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    throw ErrnoFail{EINVAL};
  }
  return static_cast<int>(v);
}

// Flags: any 32-bit pattern, signed or unsigned.
int FlagsArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || info[i].IsUndefined()) return 0;
  double v = NumberArg(info, i, what);
  if (!IsIntegral(v) || v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<uint32_t>::max()) {
    throw ErrnoFail{EINVAL};
  }
  return static_cast<int>(static_cast<uint32_t>(static_cast<int64_t>(v)));
}

// A size: a non-negative integer not above `max`.
size_t SizeArg(const Napi::CallbackInfo& info, size_t i, const char* what, int64_t max) {
  double v = NumberArg(info, i, what);
  if (!IsIntegral(v) || v < 0 || v > static_cast<double>(max)) throw ErrnoFail{EINVAL};
  return static_cast<size_t>(v);
}

// An fd: must be a number; it must be a socket this addon opened (in this environment) and
// has not closed, else EBADF. This keeps close() and friends off fds Node itself uses.
int FdArg(const Napi::CallbackInfo& info, size_t i) {
  double v = NumberArg(info, i, "fd");
  if (!IsIntegral(v) || v < 0 || v > std::numeric_limits<int32_t>::max()) throw ErrnoFail{EBADF};
  int fd = static_cast<int>(v);
  State* st = GetState(info.Env());
  if (st == nullptr || st->fds.count(fd) == 0) throw ErrnoFail{EBADF};
  return fd;
}

struct Bytes {
  const uint8_t* data;
  size_t length;
};

uint8_t gEmpty[8] = {0};  // a valid pointer for zero-length buffers (the kernel reads none of it)

Bytes BytesArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Uint8Array");
  }
  Napi::Uint8Array a = info[i].As<Napi::Uint8Array>();
  const uint8_t* p = a.Data();
  size_t n = a.ByteLength();
  if (p == nullptr || n == 0) return Bytes{gEmpty, 0};  // detached or empty
  return Bytes{p, n};
}

bool OptionalAbsent(const Napi::CallbackInfo& info, size_t i) {
  return i >= info.Length() || info[i].IsUndefined() || info[i].IsNull();
}

Napi::Uint8Array CopyOut(Napi::Env env, const uint8_t* p, size_t n) {
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, n);
  if (n > 0) std::memcpy(ab.Data(), p, n);
  return Napi::Uint8Array::New(env, n, ab, 0);
}

// Every exported function runs inside Guard: ErrnoFail becomes {errno}, allocation failure
// becomes {errno: "ENOMEM"}, any other C++ exception a JS Error. Napi::Error passes through
// (node-addon-api turns it into a JS exception).
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
Napi::Value Guard(const Napi::CallbackInfo& info) {
  try {
    return Fn(info);
  } catch (const ErrnoFail& f) {
    return ErrnoObject(info.Env(), f.err);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    return ErrnoObject(info.Env(), ENOMEM);
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("nlsim_netlink: ") + e.what());
  }
}

// The fast path's guard: as Guard, but an errno is returned as a negative number, not an object.
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
Napi::Value GuardNum(const Napi::CallbackInfo& info) {
  try {
    return Fn(info);
  } catch (const ErrnoFail& f) {
    return Napi::Number::New(info.Env(), -f.err);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    return Napi::Number::New(info.Env(), -ENOMEM);
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("nlsim_netlink: ") + e.what());
  }
}

#ifdef NLSIM_HAVE_NETLINK

thread_local std::vector<uint8_t> tScratch;

uint8_t* Scratch(size_t n) {
  if (tScratch.size() < n) tScratch.resize(n);
  return n == 0 ? gEmpty : tScratch.data();
}

Napi::Value Fail(Napi::Env env, int e) { return ErrnoObject(env, e); }

uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint16_t LoadU16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// {family, pid, groups, len} from a sockaddr as the kernel filled it (fields past len read 0).
Napi::Object NameObject(Napi::Env env, const sockaddr_storage& ss, socklen_t len) {
  uint8_t raw[sizeof(sockaddr_storage)];
  std::memset(raw, 0, sizeof raw);
  size_t n = len < sizeof raw ? len : sizeof raw;
  std::memcpy(raw, &ss, n);
  Napi::Object o = Napi::Object::New(env);
  o.Set("family", Napi::Number::New(env, LoadU16(raw)));
  o.Set("pid", Napi::Number::New(env, LoadU32(raw + 4)));
  o.Set("groups", Napi::Number::New(env, LoadU32(raw + 8)));
  o.Set("len", Napi::Number::New(env, len));
  return o;
}

// One received datagram as {ret, data, flags, name, pktinfo?, creds?, cmsgs}.
Napi::Object RecvObject(Napi::Env env, ssize_t ret, const uint8_t* buf, size_t size, const msghdr& msg) {
  Napi::Object o = Napi::Object::New(env);
  size_t copied = static_cast<size_t>(ret) < size ? static_cast<size_t>(ret) : size;
  o.Set("ret", Napi::Number::New(env, static_cast<double>(ret)));
  o.Set("data", CopyOut(env, buf, copied));
  o.Set("flags", Napi::Number::New(env, msg.msg_flags));
  if (msg.msg_namelen > 0) {
    o.Set("name", NameObject(env, *static_cast<const sockaddr_storage*>(msg.msg_name), msg.msg_namelen));
  } else {
    o.Set("name", env.Null());
  }
  Napi::Array others = Napi::Array::New(env);
  uint32_t k = 0;
  if (msg.msg_controllen > 0) {
    for (cmsghdr* c = CMSG_FIRSTHDR(const_cast<msghdr*>(&msg)); c != nullptr;
         c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), c)) {
      const uint8_t* d = CMSG_DATA(c);
      size_t dlen = c->cmsg_len >= CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;
      if (c->cmsg_level == SOL_NETLINK && c->cmsg_type == NETLINK_PKTINFO && dlen >= sizeof(nl_pktinfo)) {
        Napi::Object p = Napi::Object::New(env);
        p.Set("group", Napi::Number::New(env, LoadU32(d)));
        o.Set("pktinfo", p);
      } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS && dlen >= sizeof(ucred)) {
        ucred u;
        std::memcpy(&u, d, sizeof u);
        Napi::Object p = Napi::Object::New(env);
        p.Set("pid", Napi::Number::New(env, u.pid));
        p.Set("uid", Napi::Number::New(env, u.uid));
        p.Set("gid", Napi::Number::New(env, u.gid));
        o.Set("creds", p);
      } else {
        Napi::Object p = Napi::Object::New(env);
        p.Set("level", Napi::Number::New(env, c->cmsg_level));
        p.Set("type", Napi::Number::New(env, c->cmsg_type));
        p.Set("data", CopyOut(env, d, dlen));
        others.Set(k++, p);
      }
    }
  }
  o.Set("cmsgs", others);
  return o;
}

// ---- sockets -------------------------------------------------------------------------------

// socket(type, protocol) -> fd | {errno}. The family is always AF_NETLINK.
Napi::Value Socket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int type = FlagsArg(info, 0, "type");
  int protocol = IntArg(info, 1, "protocol");
  int fd = ::socket(AF_NETLINK, type, protocol);
  if (fd < 0) return Fail(env, errno);
  GetState(env)->fds.insert(fd);
  return Napi::Number::New(env, fd);
}

// bind/connect(fd, addrBytes): the bytes and their length reach the kernel exactly as given.
Napi::Value Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  Bytes a = BytesArg(info, 1, "address");
  if (::bind(fd, reinterpret_cast<const sockaddr*>(a.data), static_cast<socklen_t>(a.length)) < 0) {
    return Fail(env, errno);
  }
  return Napi::Number::New(env, 0);
}

Napi::Value Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  Bytes a = BytesArg(info, 1, "address");
  if (::connect(fd, reinterpret_cast<const sockaddr*>(a.data), static_cast<socklen_t>(a.length)) < 0) {
    return Fail(env, errno);
  }
  return Napi::Number::New(env, 0);
}

// sendmsg(fd, data, flags, addrBytes?) -> bytes sent | {errno}
Napi::Value SendMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  Bytes d = BytesArg(info, 1, "data");
  int flags = FlagsArg(info, 2, "flags");
  msghdr msg{};
  iovec iov{const_cast<uint8_t*>(d.data), d.length};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!OptionalAbsent(info, 3)) {
    Bytes a = BytesArg(info, 3, "address");
    msg.msg_name = const_cast<uint8_t*>(a.data);
    msg.msg_namelen = static_cast<socklen_t>(a.length);
  }
  ssize_t r = ::sendmsg(fd, &msg, flags);
  if (r < 0) return Fail(env, errno);
  return Napi::Number::New(env, static_cast<double>(r));
}

// recvmsg(fd, size, flags) -> {ret, data, flags, name, pktinfo?, creds?, cmsgs} | {errno}
Napi::Value RecvMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  size_t size = SizeArg(info, 1, "size", kMaxRecv);
  int flags = FlagsArg(info, 2, "flags");
  uint8_t* buf = Scratch(size);
  sockaddr_storage name{};
  alignas(cmsghdr) uint8_t control[kControlSpace];
  iovec iov{buf, size};
  msghdr msg{};
  msg.msg_name = &name;
  msg.msg_namelen = sizeof name;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t r = ::recvmsg(fd, &msg, flags);
  if (r < 0) return Fail(env, errno);
  return RecvObject(env, r, buf, size, msg);
}

// recvmmsg(fd, count, size, flags) -> [recv objects] | {errno}. No timeout: pass MSG_DONTWAIT
// (or MSG_WAITFORONE on a socket that has data) or a blocking socket waits for `count`.
Napi::Value RecvMmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  size_t count = SizeArg(info, 1, "count", kMaxBatchCount);
  size_t size = SizeArg(info, 2, "size", kMaxRecv);
  int flags = FlagsArg(info, 3, "flags");
  if (count > 0 && size > static_cast<size_t>(kMaxBatchBytes) / count) throw ErrnoFail{EINVAL};
  uint8_t* buf = Scratch(count * size);
  std::vector<mmsghdr> msgs(count);
  std::vector<iovec> iovs(count);
  std::vector<sockaddr_storage> names(count);
  std::vector<cmsghdr> controls((kControlSpace * (count == 0 ? 1 : count)) / sizeof(cmsghdr) + 1);
  uint8_t* ctl = reinterpret_cast<uint8_t*>(controls.data());
  for (size_t i = 0; i < count; i++) {
    iovs[i] = iovec{size == 0 ? gEmpty : buf + i * size, size};
    msghdr& m = msgs[i].msg_hdr;
    std::memset(&msgs[i], 0, sizeof msgs[i]);
    m.msg_name = &names[i];
    m.msg_namelen = sizeof(sockaddr_storage);
    m.msg_iov = &iovs[i];
    m.msg_iovlen = 1;
    m.msg_control = ctl + i * kControlSpace;
    m.msg_controllen = kControlSpace;
  }
  int r = ::recvmmsg(fd, count == 0 ? nullptr : msgs.data(), static_cast<unsigned>(count), flags, nullptr);
  if (r < 0) return Fail(env, errno);
  Napi::Array out = Napi::Array::New(env, static_cast<size_t>(r));
  for (int i = 0; i < r; i++) {
    out.Set(static_cast<uint32_t>(i),
            RecvObject(env, msgs[i].msg_len, static_cast<uint8_t*>(iovs[i].iov_base), size, msgs[i].msg_hdr));
  }
  return out;
}

// ---- the per-message fast path: numbers in, numbers out, no object per call -----------------
// The kernel transport sends and receives through these. Failure is a negative errno (no object
// to allocate on EAGAIN); wrong JS types still throw TypeError, a bad fd is -EBADF.

constexpr size_t kRecvMeta = 9;  // u32 slots per datagram in a recvInto/recvmmsgInto meta array

// A Uint32Array argument with at least `min` elements.
uint32_t* MetaArg(const Napi::CallbackInfo& info, size_t i, size_t min) {
  if (i >= info.Length() || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    throw Napi::TypeError::New(info.Env(), "meta must be a Uint32Array");
  }
  Napi::Uint32Array a = info[i].As<Napi::Uint32Array>();
  if (a.ElementLength() < min || a.Data() == nullptr) throw ErrnoFail{EINVAL};
  return a.Data();
}

// A writable Uint8Array argument (the receive buffer).
Bytes BufferArg(const Napi::CallbackInfo& info, size_t i, const char* what) { return BytesArg(info, i, what); }

// meta[0] msg_flags, [1] msg_namelen, [2] nl_pid, [3] nl_groups, [4] 1 = pktinfo, 2 = creds,
// [5] nl_pktinfo.group, [6..8] ucred pid, uid, gid. Control messages other than these two are
// dropped (the transport's Datagram has no place for them; recvmsg() still returns them).
void FillMeta(uint32_t* m, const msghdr& msg) {
  uint8_t raw[12] = {0};
  size_t n = msg.msg_namelen < sizeof raw ? msg.msg_namelen : sizeof raw;
  std::memcpy(raw, msg.msg_name, n);
  m[0] = static_cast<uint32_t>(msg.msg_flags);
  m[1] = msg.msg_namelen;
  m[2] = LoadU32(raw + 4);
  m[3] = LoadU32(raw + 8);
  m[4] = 0;
  if (msg.msg_controllen == 0) return;
  for (cmsghdr* c = CMSG_FIRSTHDR(const_cast<msghdr*>(&msg)); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), c)) {
    const uint8_t* d = CMSG_DATA(c);
    size_t dlen = c->cmsg_len >= CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;
    if (c->cmsg_level == SOL_NETLINK && c->cmsg_type == NETLINK_PKTINFO && dlen >= sizeof(nl_pktinfo)) {
      m[4] |= 1;
      m[5] = LoadU32(d);
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS && dlen >= sizeof(ucred)) {
      ucred u;
      std::memcpy(&u, d, sizeof u);
      m[4] |= 2;
      m[6] = static_cast<uint32_t>(u.pid);
      m[7] = u.uid;
      m[8] = u.gid;
    }
  }
}

// The two per-message calls are plain N-API callbacks (no node-addon-api wrapper, no C++
// exception, the State handed in as the function's data): each argument costs one N-API call,
// the fd check is an index, and the result is a number. Their checks and results are those of
// the helpers above: a wrong JS type throws TypeError; a bad fd, size or flag is -EBADF/-EINVAL.

// A fast-path check's outcome: 0 ok, kThrown when a TypeError is pending, else an errno.
constexpr int kThrown = -1;

int ThrowType(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return kThrown;
}

// As FdArg.
int FastFd(napi_env env, State* st, napi_value v, int* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return ThrowType(env, "fd must be a number");
  if (!IsIntegral(d) || d < 0 || d > std::numeric_limits<int32_t>::max()) return EBADF;
  int fd = static_cast<int>(d);
  if (st == nullptr || st->fds.count(fd) == 0) return EBADF;
  *out = fd;
  return 0;
}

// As FlagsArg (undefined reads 0); with `optional`, null and undefined say "absent" (false in *present).
int FastFlags(napi_env env, napi_value v, const char* typeError, int* out, bool* present = nullptr) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    napi_valuetype t = napi_object;
    napi_typeof(env, v, &t);
    if (t == napi_undefined || (present != nullptr && t == napi_null)) {
      *out = 0;
      if (present != nullptr) *present = false;
      return 0;
    }
    return ThrowType(env, typeError);
  }
  if (!IsIntegral(d) || d < std::numeric_limits<int32_t>::min() || d > std::numeric_limits<uint32_t>::max()) {
    return EINVAL;
  }
  *out = static_cast<int>(static_cast<uint32_t>(static_cast<int64_t>(d)));
  if (present != nullptr) *present = true;
  return 0;
}

// As SizeArg.
int FastSize(napi_env env, napi_value v, const char* typeError, int64_t max, size_t* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return ThrowType(env, typeError);
  if (!IsIntegral(d) || d < 0 || d > static_cast<double>(max)) return EINVAL;
  *out = static_cast<size_t>(d);
  return 0;
}

// As BytesArg: a Uint8Array (detached or empty: gEmpty, 0).
int FastBytes(napi_env env, napi_value v, const char* typeError, Bytes* out) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    return ThrowType(env, typeError);
  }
  *out = data == nullptr || length == 0 ? Bytes{gEmpty, 0} : Bytes{static_cast<const uint8_t*>(data), length};
  return 0;
}

// As MetaArg.
int FastMeta(napi_env env, napi_value v, size_t min, uint32_t** out) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_uint32_array) {
    return ThrowType(env, "meta must be a Uint32Array");
  }
  if (length < min || data == nullptr) return EINVAL;
  *out = static_cast<uint32_t*>(data);
  return 0;
}

// A number result (bytes, or -errno), or nullptr when a TypeError is pending.
napi_value FastResult(napi_env env, int64_t v) {
  napi_value out = nullptr;
  if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
    napi_create_int32(env, static_cast<int32_t>(v), &out);
  } else {
    napi_create_double(env, static_cast<double>(v), &out);
  }
  return out;
}

// A check's outcome as the call's result: nullptr (TypeError pending) or -errno.
napi_value FastFail(napi_env env, int rc) { return rc == kThrown ? nullptr : FastResult(env, -rc); }

// sendTo(fd, data, flags, pid?, groups?) -> bytes sent | -errno. With pid (a number) the
// message goes to sockaddr_nl {AF_NETLINK, pid, groups}; without, no msg_name.
napi_value SendTo(napi_env env, napi_callback_info cb) {
  size_t argc = 5;
  napi_value argv[5];
  State* st = nullptr;
  if (napi_get_cb_info(env, cb, &argc, argv, nullptr, reinterpret_cast<void**>(&st)) != napi_ok) return nullptr;
  int fd = -1, flags = 0, pid = 0, groups = 0;
  bool named = false;
  Bytes d{gEmpty, 0};
  int rc = FastFd(env, st, argv[0], &fd);
  if (rc == 0) rc = FastBytes(env, argv[1], "data must be a Uint8Array", &d);
  if (rc == 0) rc = FastFlags(env, argv[2], "flags must be a number", &flags);
  if (rc == 0) rc = FastFlags(env, argv[3], "pid must be a number", &pid, &named);
  if (rc == 0 && named) rc = FastFlags(env, argv[4], "groups must be a number", &groups);
  if (rc != 0) return FastFail(env, rc);
  msghdr msg{};
  iovec iov{const_cast<uint8_t*>(d.data), d.length};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  sockaddr_nl to{};
  if (named) {
    to.nl_family = AF_NETLINK;
    to.nl_pid = static_cast<uint32_t>(pid);
    to.nl_groups = static_cast<uint32_t>(groups);
    msg.msg_name = &to;
    msg.msg_namelen = sizeof to;
  }
  ssize_t r = ::sendmsg(fd, &msg, flags);
  return FastResult(env, r < 0 ? -errno : r);
}

// recvInto(fd, buf, size, flags, meta) -> recvmsg's return | -errno. Receives with a buffer of
// `size` bytes (at most buf.length) into buf; the caller copies min(ret, size) bytes out.
napi_value RecvInto(napi_env env, napi_callback_info cb) {
  size_t argc = 5;
  napi_value argv[5];
  State* st = nullptr;
  if (napi_get_cb_info(env, cb, &argc, argv, nullptr, reinterpret_cast<void**>(&st)) != napi_ok) return nullptr;
  int fd = -1, flags = 0;
  size_t size = 0;
  Bytes b{gEmpty, 0};
  uint32_t* meta = nullptr;
  int rc = FastFd(env, st, argv[0], &fd);
  if (rc == 0) rc = FastBytes(env, argv[1], "buf must be a Uint8Array", &b);
  if (rc == 0) rc = FastSize(env, argv[2], "size must be a number", kMaxRecv, &size);
  if (rc == 0) rc = FastFlags(env, argv[3], "flags must be a number", &flags);
  if (rc == 0) rc = FastMeta(env, argv[4], kRecvMeta, &meta);
  if (rc == 0 && size > b.length) rc = EINVAL;
  if (rc != 0) return FastFail(env, rc);
  sockaddr_nl name{};
  alignas(cmsghdr) uint8_t control[kControlSpace];
  iovec iov{const_cast<uint8_t*>(size == 0 ? gEmpty : b.data), size};
  msghdr msg{};
  msg.msg_name = &name;
  msg.msg_namelen = sizeof name;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t r = ::recvmsg(fd, &msg, flags);
  if (r < 0) return FastResult(env, -errno);
  FillMeta(meta, msg);
  return FastResult(env, r);
}

// recvmmsgInto(fd, buf, count, size, flags, meta) -> datagrams received | -errno. Datagram i
// lands at buf[i * size], its recvmsg return in meta[i * 10] and its meta (as recvInto's) in
// meta[i * 10 + 1 ...]. No timeout: pass MSG_DONTWAIT (or MSG_WAITFORONE on a readable socket).
Napi::Value RecvmmsgInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  Bytes b = BufferArg(info, 1, "buf");
  size_t count = SizeArg(info, 2, "count", kMaxBatchCount);
  size_t size = SizeArg(info, 3, "size", kMaxRecv);
  int flags = FlagsArg(info, 4, "flags");
  uint32_t* meta = MetaArg(info, 5, count * (kRecvMeta + 1));
  if (count == 0 || size == 0 || size > b.length / count) throw ErrnoFail{EINVAL};
  std::vector<mmsghdr> msgs(count);
  std::vector<iovec> iovs(count);
  std::vector<sockaddr_nl> names(count);
  std::vector<cmsghdr> controls((kControlSpace * count) / sizeof(cmsghdr) + 1);
  uint8_t* ctl = reinterpret_cast<uint8_t*>(controls.data());
  for (size_t i = 0; i < count; i++) {
    std::memset(&msgs[i], 0, sizeof msgs[i]);
    iovs[i] = iovec{const_cast<uint8_t*>(b.data) + i * size, size};
    msghdr& m = msgs[i].msg_hdr;
    m.msg_name = &names[i];
    m.msg_namelen = sizeof(sockaddr_nl);
    m.msg_iov = &iovs[i];
    m.msg_iovlen = 1;
    m.msg_control = ctl + i * kControlSpace;
    m.msg_controllen = kControlSpace;
  }
  int r = ::recvmmsg(fd, msgs.data(), static_cast<unsigned>(count), flags, nullptr);
  if (r < 0) return Napi::Number::New(env, -errno);
  for (int i = 0; i < r; i++) {
    meta[i * (kRecvMeta + 1)] = msgs[i].msg_len;
    FillMeta(meta + i * (kRecvMeta + 1) + 1, msgs[i].msg_hdr);
  }
  return Napi::Number::New(env, r);
}

// setsockopt(fd, level, name, bytes) -> 0 | {errno}; optlen is bytes.length, as given.
Napi::Value SetSockOpt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  int level = IntArg(info, 1, "level");
  int name = IntArg(info, 2, "name");
  Bytes v = BytesArg(info, 3, "value");
  if (::setsockopt(fd, level, name, v.data, static_cast<socklen_t>(v.length)) < 0) return Fail(env, errno);
  return Napi::Number::New(env, 0);
}

// getsockopt(fd, level, name, size) -> {ret, optlen, data} | {errno}. optlen is what the kernel
// wrote back (for LIST_MEMBERSHIPS the length needed, which may exceed size); data holds
// min(optlen, size) bytes (for SO_GET_FILTER, which counts instructions, that many instructions).
Napi::Value GetSockOpt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  int level = IntArg(info, 1, "level");
  int name = IntArg(info, 2, "name");
  size_t size = SizeArg(info, 3, "size", kMaxOpt);
  // SO_GET_FILTER reads optlen as a count of 8-byte instructions: room for that many, so that a
  // caller asking it through this generic call cannot make the kernel write past the buffer
  bool counted = level == SOL_SOCKET && name == SO_GET_FILTER;
  size_t unit = counted ? sizeof(struct sock_filter) : 1;
  std::vector<uint8_t> buf(size * unit + 8, 0);
  socklen_t len = static_cast<socklen_t>(size);
  int r = ::getsockopt(fd, level, name, buf.data(), &len);
  if (r < 0) return Fail(env, errno);
  Napi::Object o = Napi::Object::New(env);
  size_t copied = (len < size ? len : size) * unit;
  o.Set("ret", Napi::Number::New(env, r));
  o.Set("optlen", Napi::Number::New(env, len));
  o.Set("data", CopyOut(env, buf.data(), copied));
  return o;
}

// setsockoptFprog(fd, level, name, insns, len, optlen) -> 0 | {errno}: setsockopt with a struct
// sock_fprog {len, filter} (SO_ATTACH_FILTER). insns holds the struct sock_filter entries (8 bytes
// each); an empty insns passes a NULL filter pointer. len may differ from the entries given (the
// kernel checks it before reading them); optlen is what setsockopt is told (sizeof(sock_fprog) normally).
Napi::Value SetSockOptFprog(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  int level = IntArg(info, 1, "level");
  int name = IntArg(info, 2, "name");
  Bytes v = BytesArg(info, 3, "insns");
  size_t len = SizeArg(info, 4, "len", 0xffff);
  size_t optlen = SizeArg(info, 5, "optlen", sizeof(struct sock_fprog));
  std::vector<struct sock_filter> insns(v.length / sizeof(struct sock_filter) + 1);
  if (v.length > 0) std::memcpy(insns.data(), v.data, v.length - v.length % sizeof(struct sock_filter));
  struct sock_fprog fprog;
  std::memset(&fprog, 0, sizeof(fprog));
  fprog.len = static_cast<unsigned short>(len);
  fprog.filter = v.length >= sizeof(struct sock_filter) ? insns.data() : nullptr;
  if (::setsockopt(fd, level, name, &fprog, static_cast<socklen_t>(optlen)) < 0) return Fail(env, errno);
  return Napi::Number::New(env, 0);
}

// getsockoptFilter(fd, level, name, count) -> {ret, optlen, data} | {errno}: SO_GET_FILTER, whose
// optlen counts struct sock_filter entries: a buffer of `count` entries, optlen `count` on the way
// in; data holds min(optlen, count) entries' bytes.
Napi::Value GetSockOptFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  int level = IntArg(info, 1, "level");
  int name = IntArg(info, 2, "name");
  size_t count = SizeArg(info, 3, "count", 0xffff);
  std::vector<struct sock_filter> buf(count + 1);
  std::memset(buf.data(), 0, buf.size() * sizeof(struct sock_filter));
  socklen_t len = static_cast<socklen_t>(count);
  int r = ::getsockopt(fd, level, name, buf.data(), &len);
  if (r < 0) return Fail(env, errno);
  size_t n = static_cast<size_t>(len) < count ? static_cast<size_t>(len) : count;
  Napi::Object o = Napi::Object::New(env);
  o.Set("ret", Napi::Number::New(env, r));
  o.Set("optlen", Napi::Number::New(env, len));
  o.Set("data", CopyOut(env, reinterpret_cast<const uint8_t*>(buf.data()), n * sizeof(struct sock_filter)));
  return o;
}

// ---- AF_INET sockets and files, for the InetRaw and Procfs kernel layers --------------------------
//
// Both reach a handler's EFAULT paths the way a C program does: a user buffer whose first
// `mapped` bytes are readable/writable and which then runs into an unmapped (PROT_NONE) page, or a
// NULL pointer. GuardedBuffer builds one; the kernel copies up to the guard page and stops.

struct GuardedBuffer {
  void* base = MAP_FAILED;
  size_t total = 0;
  uint8_t* p = nullptr;  // the buffer: `mapped` bytes before the guard page (nullptr: NULL)
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  // `mapped` bytes, then the guard page; `null`: no mapping at all, p = NULL.
  GuardedBuffer(size_t mapped, bool null) {
    if (null) return;
    size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    size_t pages = (mapped + page - 1) / page + 1;
    total = pages * page;
    base = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw ErrnoFail{ENOMEM};
    uint8_t* guard = static_cast<uint8_t*>(base) + (pages - 1) * page;
    if (::mprotect(guard, page, PROT_NONE) < 0) {
      ::munmap(base, total);
      base = MAP_FAILED;
      throw ErrnoFail{ENOMEM};
    }
    p = guard - mapped;
  }
  ~GuardedBuffer() {
    if (base != MAP_FAILED) ::munmap(base, total);
  }
};

// inetSocket(type, protocol) -> fd | {errno}: socket(AF_INET, type, protocol) (SOCK_RAW needs CAP_NET_RAW).
Napi::Value InetSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int type = FlagsArg(info, 0, "type");
  int protocol = IntArg(info, 1, "protocol");
  int fd = ::socket(AF_INET, type, protocol);
  if (fd < 0) return Fail(env, errno);
  GetState(env)->fds.insert(fd);
  return Napi::Number::New(env, fd);
}

// setsockoptBuf(fd, level, name, value | null, optlen) -> the syscall's return (>= 0) | {errno}.
// optlen may exceed value.length: the bytes after the value are the guard page. null: optval NULL.
Napi::Value SetSockOptBuf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  int level = IntArg(info, 1, "level");
  int name = IntArg(info, 2, "name");
  bool null = OptionalAbsent(info, 3);
  Bytes v = null ? Bytes{gEmpty, 0} : BytesArg(info, 3, "value");
  size_t optlen = SizeArg(info, 4, "optlen", kMaxOpt);
  size_t mapped = v.length < optlen ? v.length : optlen;
  GuardedBuffer b(mapped, null);
  if (!null && mapped > 0) std::memcpy(b.p, v.data, mapped);
  int r = ::setsockopt(fd, level, name, b.p, static_cast<socklen_t>(optlen));
  if (r < 0) return Fail(env, errno);
  return Napi::Number::New(env, r);
}

// getsockoptBuf(fd, level, name, length, mapped) -> {ret, optlen, data} | {errno}. optlen starts at
// `length`; only the first `mapped` bytes are mapped (0: optval NULL). data: min(optlen, mapped) bytes.
Napi::Value GetSockOptBuf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  int level = IntArg(info, 1, "level");
  int name = IntArg(info, 2, "name");
  size_t length = SizeArg(info, 3, "length", kMaxOpt);
  size_t mapped = SizeArg(info, 4, "mapped", kMaxOpt);
  if (mapped > length) mapped = length;
  GuardedBuffer b(mapped, mapped == 0 && length > 0);
  socklen_t len = static_cast<socklen_t>(length);
  int r = ::getsockopt(fd, level, name, b.p, &len);
  if (r < 0) return Fail(env, errno);
  size_t copied = static_cast<size_t>(len) < mapped ? static_cast<size_t>(len) : mapped;
  Napi::Object o = Napi::Object::New(env);
  o.Set("ret", Napi::Number::New(env, r));
  o.Set("optlen", Napi::Number::New(env, len));
  o.Set("data", CopyOut(env, b.p == nullptr ? gEmpty : b.p, copied));
  return o;
}

// fileOpen(path, flags) -> fd | {errno}: open(2) (O_CLOEXEC added), for files under /proc.
Napi::Value FileOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int flags = FlagsArg(info, 1, "flags");
  if (path.find('\0') != std::string::npos) throw ErrnoFail{EINVAL};
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0666);
  if (fd < 0) return Fail(env, errno);
  GetState(env)->fds.insert(fd);
  return Napi::Number::New(env, fd);
}

// fileRead(fd, count, mapped) -> bytes | {errno}: read(2) into a `count`-byte buffer of which the
// first `mapped` are mapped (0 with count > 0: a NULL buffer).
Napi::Value FileRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  size_t count = SizeArg(info, 1, "count", kMaxRecv);
  size_t mapped = SizeArg(info, 2, "mapped", kMaxRecv);
  if (mapped > count) mapped = count;
  GuardedBuffer b(mapped, mapped == 0 && count > 0);
  ssize_t r = static_cast<ssize_t>(::syscall(SYS_read, fd, b.p, count));  // NULL allowed (see FileWrite)
  if (r < 0) return Fail(env, errno);
  size_t got = static_cast<size_t>(r) < mapped ? static_cast<size_t>(r) : mapped;
  return CopyOut(env, b.p == nullptr ? gEmpty : b.p, got);
}

// fileWrite(fd, data | null, count) -> bytes written | {errno}: write(2) of `count` bytes of which
// data.length are mapped (the rest is the guard page); null: a NULL buffer.
Napi::Value FileWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  bool null = OptionalAbsent(info, 1);
  Bytes d = null ? Bytes{gEmpty, 0} : BytesArg(info, 1, "data");
  size_t count = SizeArg(info, 2, "count", kMaxRecv);
  size_t mapped = d.length < count ? d.length : count;
  GuardedBuffer b(mapped, null);
  if (!null && mapped > 0) std::memcpy(b.p, d.data, mapped);
  // syscall(2): glibc's write is declared nonnull, and a NULL buffer is the point here
  ssize_t r = static_cast<ssize_t>(::syscall(SYS_write, fd, b.p, count));
  if (r < 0) return Fail(env, errno);
  return Napi::Number::New(env, static_cast<double>(r));
}

// lseek(fd, offset, whence) -> the new offset | {errno}.
Napi::Value LSeek(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  double off = NumberArg(info, 1, "offset");
  if (!IsIntegral(off)) throw ErrnoFail{EINVAL};
  int whence = IntArg(info, 2, "whence");
  off_t r = ::lseek(fd, static_cast<off_t>(off), whence);
  if (r < 0) return Fail(env, errno);
  return Napi::Number::New(env, static_cast<double>(r));
}

template <int (*Call)(int, sockaddr*, socklen_t*)>
Napi::Value SockName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (Call(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return Fail(env, errno);
  return NameObject(env, ss, len);
}

int CallGetSockName(int fd, sockaddr* a, socklen_t* l) { return ::getsockname(fd, a, l); }
int CallGetPeerName(int fd, sockaddr* a, socklen_t* l) { return ::getpeername(fd, a, l); }

// ---- readiness on the libuv loop ------------------------------------------------------------

// The last step of environment teardown: every handle is closed, the state can go.
void FinishTeardown(State* st) {
  napi_async_cleanup_hook_handle hook = st->cleanupHook;
  st->cleanupHook = nullptr;
  delete st;
  if (hook != nullptr) napi_remove_async_cleanup_hook(hook);
}

void OnPollClosed(uv_handle_t* h) {
  PollHandle* p = static_cast<PollHandle*>(h->data);
  State* st = p->state;
  delete p;
  st->closing--;
  if (st->tearingDown && st->closing == 0) FinishTeardown(st);
}

// Stop a poller: no callback after this returns. The handle is freed when libuv says so.
void StopPoll(State* st, PollHandle* p) {
  if (!p->active) return;
  p->active = false;
  uv_poll_stop(&p->handle);
  st->polls.erase(p->id);
  auto it = st->pollByFd.find(p->fd);
  if (it != st->pollByFd.end() && it->second == p->id) st->pollByFd.erase(it);
  if (!st->tearingDown) {
    p->callback.Reset();
    if (p->asyncContext != nullptr) napi_async_destroy(st->env, p->asyncContext);
  } else {
    p->callback.SuppressDestruct();
  }
  p->asyncContext = nullptr;
  st->closing++;
  uv_close(reinterpret_cast<uv_handle_t*>(&p->handle), OnPollClosed);
}

void StopPollsOfFd(State* st, int fd) {
  auto it = st->pollByFd.find(fd);
  if (it == st->pollByFd.end()) return;
  auto pit = st->polls.find(it->second);
  if (pit != st->polls.end()) StopPoll(st, pit->second);
  st->pollByFd.erase(fd);
}

void OnPoll(uv_poll_t* h, int status, int events) {
  PollHandle* p = static_cast<PollHandle*>(h->data);
  State* st = p->state;
  if (!p->active || st->tearingDown) return;
  int reported = events;
  int err = 0;
  if (status == UV_EBADF && st->fds.count(p->fd) != 0) {
    // libuv stops the handle and says EBADF whenever epoll reports POLLERR. On a netlink
    // socket that means sk_err is pending (ENOBUFS after an overrun): the fd is fine and the
    // next recvmsg returns the error. Re-arm and report it as readable + kPollError.
    if (uv_poll_start(&p->handle, p->events, OnPoll) != 0) {
      err = EBADF;
      reported = 0;
    } else {
      reported = (p->events & (UV_READABLE | UV_WRITABLE)) | kPollError;
    }
  } else if (status < 0) {
    err = -status;
    reported = 0;
  }
  Napi::Env env(st->env);
  Napi::HandleScope scope(env);
  Napi::Value errValue = err != 0 ? static_cast<Napi::Value>(ErrnoObject(env, err)) : env.Null();
  Napi::Value evValue = Napi::Number::New(env, reported);
  try {
    p->callback.MakeCallback(env.Global(), {errValue, evValue}, p->asyncContext);
  } catch (const Napi::Error& e) {
    // The JS callback threw: treat it like an exception in a timer callback.
    napi_fatal_exception(st->env, e.Value());
  }
}

// watch(fd, events, callback) -> poll id | {errno}. events: 1 readable, 2 writable.
// callback(err | null, events); events may carry 16 (POLLERR: a socket error is pending).
Napi::Value PollStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  double ev = NumberArg(info, 1, "events");
  if (info.Length() < 3 || !info[2].IsFunction()) throw Napi::TypeError::New(env, "callback must be a function");
  if (!IsIntegral(ev) || ev <= 0 || ev > (UV_READABLE | UV_WRITABLE | UV_DISCONNECT | UV_PRIORITIZED)) {
    throw ErrnoFail{EINVAL};
  }
  State* st = GetState(env);
  if (st->pollByFd.count(fd) != 0) throw ErrnoFail{EBUSY};
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) throw ErrnoFail{ENOSYS};
  PollHandle* p = new PollHandle();
  p->state = st;
  p->fd = fd;
  p->events = static_cast<int>(ev);
  p->handle.data = p;
  // uv_poll_init switches the fd to O_NONBLOCK; put the caller's mode back so a blocking
  // socket stays blocking (recv with MSG_DONTWAIT after a readable callback).
  int oldFlags = ::fcntl(fd, F_GETFL);
  int r = uv_poll_init(loop, &p->handle, fd);
  if (oldFlags >= 0) ::fcntl(fd, F_SETFL, oldFlags);
  if (r != 0) {
    delete p;
    throw ErrnoFail{-r};
  }
  r = uv_poll_start(&p->handle, p->events, OnPoll);
  if (r != 0) {
    st->closing++;
    uv_close(reinterpret_cast<uv_handle_t*>(&p->handle), OnPollClosed);
    throw ErrnoFail{-r};
  }
  p->callback = Napi::Persistent(info[2].As<Napi::Function>());
  napi_async_init(env, Napi::Object::New(env), Napi::String::New(env, "nlsim:netlink-poll"), &p->asyncContext);
  p->id = st->nextPollId++;
  if (st->nextPollId == 0) st->nextPollId = 1;
  st->polls[p->id] = p;
  st->pollByFd[fd] = p->id;
  return Napi::Number::New(env, p->id);
}

PollHandle* PollById(const Napi::CallbackInfo& info) {
  double v = NumberArg(info, 0, "poll id");
  if (!IsIntegral(v) || v <= 0 || v > std::numeric_limits<uint32_t>::max()) return nullptr;
  State* st = GetState(info.Env());
  auto it = st->polls.find(static_cast<uint32_t>(v));
  return it == st->polls.end() ? nullptr : it->second;
}

// pollStop(id) -> true if it stopped an active poller, false if it was already stopped.
Napi::Value PollStop(const Napi::CallbackInfo& info) {
  PollHandle* p = PollById(info);
  if (p == nullptr) return Napi::Boolean::New(info.Env(), false);
  StopPoll(p->state, p);
  return Napi::Boolean::New(info.Env(), true);
}

// pollActive(id) -> whether the poller is still watching (false after stop or close(fd)).
Napi::Value PollActive(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), PollById(info) != nullptr); }

// pollUpdate(id, events) -> 0 | {errno}
Napi::Value PollUpdate(const Napi::CallbackInfo& info) {
  PollHandle* p = PollById(info);
  double ev = NumberArg(info, 1, "events");
  if (p == nullptr) throw ErrnoFail{EBADF};
  if (!IsIntegral(ev) || ev <= 0 || ev > (UV_READABLE | UV_WRITABLE | UV_DISCONNECT | UV_PRIORITIZED)) {
    throw ErrnoFail{EINVAL};
  }
  p->events = static_cast<int>(ev);
  int r = uv_poll_start(&p->handle, p->events, OnPoll);
  if (r != 0) throw ErrnoFail{-r};
  return Napi::Number::New(info.Env(), 0);
}

// pollRef(id, keepAlive): whether an active poller keeps the event loop (and process) alive.
Napi::Value PollRef(const Napi::CallbackInfo& info) {
  PollHandle* p = PollById(info);
  bool on = info.Length() > 1 && info[1].ToBoolean().Value();
  if (p == nullptr) throw ErrnoFail{EBADF};
  if (on) {
    uv_ref(reinterpret_cast<uv_handle_t*>(&p->handle));
  } else {
    uv_unref(reinterpret_cast<uv_handle_t*>(&p->handle));
  }
  return Napi::Number::New(info.Env(), 0);
}

// pollNow(fd, events) -> revents | {errno}: poll(2) on one socket with timeout 0 (never waits).
// The kernel transport's poll() and "just look" use it; waiting is uv_poll's job (pollStart).
Napi::Value PollNow(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  int events = IntArg(info, 1, "events");
  pollfd p;
  p.fd = fd;
  p.events = static_cast<short>(events);
  p.revents = 0;
  if (::poll(&p, 1, 0) < 0) return Fail(env, errno);
  return Napi::Number::New(env, p.revents);
}

// close(fd) -> 0 | {errno}. Stops the fd's poller first (libuv must not watch a closed fd).
Napi::Value Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  State* st = GetState(env);
  StopPollsOfFd(st, fd);
  st->fds.erase(fd);
  // Linux releases the fd even when close() reports EINTR; never retry.
  if (::close(fd) < 0) return Fail(env, errno);
  return Napi::Number::New(env, 0);
}

// ---- credentials, for scenarios that run as another user --------------------------------------

Napi::Value SetResUid(const Napi::CallbackInfo& info) {
  // -1 leaves an id unchanged. glibc's wrapper applies the change to every thread of Node.
  int64_t ids[3];
  for (size_t i = 0; i < 3; i++) {
    double v = NumberArg(info, i, "uid");
    if (!IsIntegral(v) || v < -1 || v > 4294967295.0) throw ErrnoFail{EINVAL};
    ids[i] = static_cast<int64_t>(v);
  }
  if (::setresuid(static_cast<uid_t>(ids[0]), static_cast<uid_t>(ids[1]), static_cast<uid_t>(ids[2])) < 0) {
    return Fail(info.Env(), errno);
  }
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value SetResGid(const Napi::CallbackInfo& info) {
  int64_t ids[3];
  for (size_t i = 0; i < 3; i++) {
    double v = NumberArg(info, i, "gid");
    if (!IsIntegral(v) || v < -1 || v > 4294967295.0) throw ErrnoFail{EINVAL};
    ids[i] = static_cast<int64_t>(v);
  }
  if (::setresgid(static_cast<gid_t>(ids[0]), static_cast<gid_t>(ids[1]), static_cast<gid_t>(ids[2])) < 0) {
    return Fail(info.Env(), errno);
  }
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value GetResIds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uid_t r, e, s;
  gid_t gr, ge, gs;
  if (::getresuid(&r, &e, &s) < 0 || ::getresgid(&gr, &ge, &gs) < 0) return Fail(env, errno);
  Napi::Object o = Napi::Object::New(env);
  o.Set("ruid", Napi::Number::New(env, r));
  o.Set("euid", Napi::Number::New(env, e));
  o.Set("suid", Napi::Number::New(env, s));
  o.Set("rgid", Napi::Number::New(env, gr));
  o.Set("egid", Napi::Number::New(env, ge));
  o.Set("sgid", Napi::Number::New(env, gs));
  return o;
}

// capGet() -> {effective, permitted, inheritable} as 64-bit bigints, of the calling thread.
Napi::Value CapGet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  std::memset(data, 0, sizeof data);
  if (::syscall(SYS_capget, &hdr, data) < 0) return Fail(env, errno);
  auto join = [](uint32_t lo, uint32_t hi) { return (static_cast<uint64_t>(hi) << 32) | lo; };
  Napi::Object o = Napi::Object::New(env);
  o.Set("effective", Napi::BigInt::New(env, join(data[0].effective, data[1].effective)));
  o.Set("permitted", Napi::BigInt::New(env, join(data[0].permitted, data[1].permitted)));
  o.Set("inheritable", Napi::BigInt::New(env, join(data[0].inheritable, data[1].inheritable)));
  return o;
}

uint64_t BigIntArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsBigInt()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a bigint");
  }
  bool lossless = false;
  uint64_t v = info[i].As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw ErrnoFail{EINVAL};
  return v;
}

// capSet(effective, permitted, inheritable) -> 0 | {errno}. Linux capabilities are per thread:
// this sets them for the thread that calls it (Node's JS thread, where every netlink syscall of
// this addon runs). Effective bits can be raised again as long as they stay in permitted.
Napi::Value CapSet(const Napi::CallbackInfo& info) {
  uint64_t eff = BigIntArg(info, 0, "effective");
  uint64_t perm = BigIntArg(info, 1, "permitted");
  uint64_t inh = BigIntArg(info, 2, "inheritable");
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  data[0] = {static_cast<uint32_t>(eff), static_cast<uint32_t>(perm), static_cast<uint32_t>(inh)};
  data[1] = {static_cast<uint32_t>(eff >> 32), static_cast<uint32_t>(perm >> 32), static_cast<uint32_t>(inh >> 32)};
  if (::syscall(SYS_capset, &hdr, data) < 0) return Fail(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value GetPid(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), ::getpid()); }
Napi::Value GetTid(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(::syscall(SYS_gettid)));
}

// errnoName(n) -> "EAGAIN" (never EWOULDBLOCK) or null.
Napi::Value ErrnoNameJs(const Napi::CallbackInfo& info) {
  double v = NumberArg(info, 0, "errno");
  int e = IsIntegral(v) && v >= 0 && v < 4096 ? static_cast<int>(v) : -1;
  const char* n = e >= 0 ? ErrnoName(e) : nullptr;
  return n == nullptr ? info.Env().Null() : static_cast<Napi::Value>(Napi::String::New(info.Env(), n));
}

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
#define C(name) c.Set(#name, Napi::Number::New(env, static_cast<double>(name)))
  C(AF_NETLINK);
  C(AF_UNSPEC);
  C(SOCK_RAW);
  C(SOCK_DGRAM);
  C(SOCK_NONBLOCK);
  C(SOCK_CLOEXEC);
  C(SOL_SOCKET);
  C(SOL_NETLINK);
  C(SO_RCVBUF);
  C(SO_SNDBUF);
  C(SO_RCVBUFFORCE);
  C(SO_SNDBUFFORCE);
  C(SO_PASSCRED);
  C(SO_ERROR);
  C(SO_RCVTIMEO);
  C(SO_SNDTIMEO);
  C(SCM_CREDENTIALS);
  C(MSG_PEEK);
  C(MSG_TRUNC);
  C(MSG_CTRUNC);
  C(MSG_DONTWAIT);
  C(MSG_WAITFORONE);
  C(MSG_OOB);
  C(MSG_ERRQUEUE);
  C(NETLINK_ADD_MEMBERSHIP);
  C(NETLINK_DROP_MEMBERSHIP);
  C(NETLINK_PKTINFO);
  C(NETLINK_BROADCAST_ERROR);
  C(NETLINK_NO_ENOBUFS);
  C(NETLINK_LISTEN_ALL_NSID);
  C(NETLINK_LIST_MEMBERSHIPS);
  C(NETLINK_CAP_ACK);
  C(NETLINK_EXT_ACK);
  C(NETLINK_GET_STRICT_CHK);
  C(UV_READABLE);
  C(UV_WRITABLE);
  C(UV_DISCONNECT);
  C(UV_PRIORITIZED);
#undef C
  c.Set("POLL_ERROR", Napi::Number::New(env, kPollError));
  return c;
}

#endif  // NLSIM_HAVE_NETLINK

// ---- module setup ----------------------------------------------------------------------------

#ifdef NLSIM_HAVE_NETLINK
// Environment teardown (process exit, worker exit): stop every poller, then close our fds.
// libuv must see every handle closed before the loop is, hence the async cleanup hook.
void OnTeardown(napi_async_cleanup_hook_handle handle, void* arg) {
  State* st = static_cast<State*>(arg);
  st->tearingDown = true;
  st->cleanupHook = handle;
  std::vector<PollHandle*> active;
  for (auto& kv : st->polls) active.push_back(kv.second);
  for (PollHandle* p : active) StopPoll(st, p);
  for (int fd : st->fds.list()) ::close(fd);
  st->fds.clear();
  if (st->closing == 0) FinishTeardown(st);
}
#endif

void KeepState(Napi::Env, State*) {}

#ifdef NLSIM_HAVE_NETLINK
// A plain N-API function with the environment's State as its data.
Napi::Value FastFunction(Napi::Env env, State* st, const char* name, napi_callback f) {
  napi_value fn = nullptr;
  NAPI_THROW_IF_FAILED(env, napi_create_function(env, name, NAPI_AUTO_LENGTH, f, st, &fn), Napi::Value());
  return Napi::Value(env, fn);
}
#endif

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  State* st = new State();
  st->env = env;
  // Owned by the teardown hook (FinishTeardown), not by instance data: libuv close callbacks
  // may run after napi's own finalizers.
  env.SetInstanceData<State, KeepState>(st);
#ifdef NLSIM_HAVE_NETLINK
  napi_add_async_cleanup_hook(env, OnTeardown, st, nullptr);
  exports.Set("platformSupported", Napi::Boolean::New(env, true));
  exports.Set("constants", Constants(env));
  exports.Set("socket", Napi::Function::New<Guard<Socket>>(env, "socket"));
  exports.Set("bind", Napi::Function::New<Guard<Bind>>(env, "bind"));
  exports.Set("connect", Napi::Function::New<Guard<Connect>>(env, "connect"));
  exports.Set("sendmsg", Napi::Function::New<Guard<SendMsg>>(env, "sendmsg"));
  exports.Set("recvmsg", Napi::Function::New<Guard<RecvMsg>>(env, "recvmsg"));
  exports.Set("recvmmsg", Napi::Function::New<Guard<RecvMmsg>>(env, "recvmmsg"));
  exports.Set("sendTo", FastFunction(env, st, "sendTo", SendTo));
  exports.Set("recvInto", FastFunction(env, st, "recvInto", RecvInto));
  exports.Set("recvmmsgInto", Napi::Function::New<GuardNum<RecvmmsgInto>>(env, "recvmmsgInto"));
  exports.Set("setsockopt", Napi::Function::New<Guard<SetSockOpt>>(env, "setsockopt"));
  exports.Set("getsockopt", Napi::Function::New<Guard<GetSockOpt>>(env, "getsockopt"));
  exports.Set("setsockoptFprog", Napi::Function::New<Guard<SetSockOptFprog>>(env, "setsockoptFprog"));
  exports.Set("getsockoptFilter", Napi::Function::New<Guard<GetSockOptFilter>>(env, "getsockoptFilter"));
  exports.Set("getsockname", Napi::Function::New<Guard<SockName<CallGetSockName>>>(env, "getsockname"));
  exports.Set("getpeername", Napi::Function::New<Guard<SockName<CallGetPeerName>>>(env, "getpeername"));
  exports.Set("close", Napi::Function::New<Guard<Close>>(env, "close"));
  exports.Set("inetSocket", Napi::Function::New<Guard<InetSocket>>(env, "inetSocket"));
  exports.Set("setsockoptBuf", Napi::Function::New<Guard<SetSockOptBuf>>(env, "setsockoptBuf"));
  exports.Set("getsockoptBuf", Napi::Function::New<Guard<GetSockOptBuf>>(env, "getsockoptBuf"));
  exports.Set("fileOpen", Napi::Function::New<Guard<FileOpen>>(env, "fileOpen"));
  exports.Set("fileRead", Napi::Function::New<Guard<FileRead>>(env, "fileRead"));
  exports.Set("fileWrite", Napi::Function::New<Guard<FileWrite>>(env, "fileWrite"));
  exports.Set("lseek", Napi::Function::New<Guard<LSeek>>(env, "lseek"));
  exports.Set("pollNow", Napi::Function::New<Guard<PollNow>>(env, "pollNow"));
  exports.Set("pollStart", Napi::Function::New<Guard<PollStart>>(env, "pollStart"));
  exports.Set("pollStop", Napi::Function::New<Guard<PollStop>>(env, "pollStop"));
  exports.Set("pollActive", Napi::Function::New<Guard<PollActive>>(env, "pollActive"));
  exports.Set("pollUpdate", Napi::Function::New<Guard<PollUpdate>>(env, "pollUpdate"));
  exports.Set("pollRef", Napi::Function::New<Guard<PollRef>>(env, "pollRef"));
  exports.Set("setresuid", Napi::Function::New<Guard<SetResUid>>(env, "setresuid"));
  exports.Set("setresgid", Napi::Function::New<Guard<SetResGid>>(env, "setresgid"));
  exports.Set("getresids", Napi::Function::New<Guard<GetResIds>>(env, "getresids"));
  exports.Set("capGet", Napi::Function::New<Guard<CapGet>>(env, "capGet"));
  exports.Set("capSet", Napi::Function::New<Guard<CapSet>>(env, "capSet"));
  exports.Set("getpid", Napi::Function::New<Guard<GetPid>>(env, "getpid"));
  exports.Set("gettid", Napi::Function::New<Guard<GetTid>>(env, "gettid"));
  exports.Set("errnoName", Napi::Function::New<Guard<ErrnoNameJs>>(env, "errnoName"));
#else
  exports.Set("platformSupported", Napi::Boolean::New(env, false));
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(nlsim_netlink, Init)
