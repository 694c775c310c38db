#include "error.hpp"

#include <cstdio>
#include <cstring>

namespace box {

namespace {
int exit_code_for(int err) {
    switch (err) {
    case EPERM:
    case EACCES: return kExitNoPermission;
    case ENOSYS: return kExitUnavailable;
    default: return kExitFailure;
    }
}
}  // namespace

SysError::SysError(int err, std::string call)
    : std::system_error(err, std::generic_category()),
      call_(std::move(call)),
      hint_(default_hint(err)),
      exit_code_(exit_code_for(err)) {}

SysError& SysError::add_context(std::string ctx) {
    context_.insert(context_.begin(), std::move(ctx));
    return *this;
}

std::string SysError::message() const {
    std::string out;
    for (const auto& c : context_) out += c + ": ";
    out += call_ + ": " + std::strerror(code().value());
    return out;
}

std::string default_hint(int err) {
    switch (err) {
    case EPERM:
        return "this step needs privilege (CAP_SYS_ADMIN): run as root (sudo), "
               "or from stage 02 on use --user for a rootless container";
    case ENOSYS: return "this kernel does not implement the call: see lessons/README.md#preflight";
    default: return {};
    }
}

int report(std::string_view prog, const std::exception& e) {
    std::string msg = e.what();
    std::string hint;
    int code = kExitFailure;
    if (auto* se = dynamic_cast<const SysError*>(&e)) {
        msg = se->message();
        hint = se->hint();
        code = se->exit_code();
    } else if (auto* ie = dynamic_cast<const InputError*>(&e)) {
        hint = ie->hint();
        code = ie->exit_code();
    }
    std::fprintf(stderr, "%.*s: error: %s\n", static_cast<int>(prog.size()), prog.data(), msg.c_str());
    if (!hint.empty())
        std::fprintf(stderr, "%.*s: hint: %s\n", static_cast<int>(prog.size()), prog.data(), hint.c_str());
    return code;
}

}  // namespace box
