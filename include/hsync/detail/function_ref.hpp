#pragma once
// A non-owning reference to a callable, as C++26's std::function_ref: what crosses from
// a typed wrapper to code compiled once for all models (store/detail/library_impl.hpp),
// without allocating and without a template parameter per caller.

#include <memory>
#include <type_traits>
#include <utility>

namespace hsync::detail {

template <class Signature>
class function_ref;

template <class R, class... Args>
class function_ref<R(Args...)> {
public:
    // The callable must outlive the call it is passed to; a function_ref is a parameter type.
    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, function_ref> && std::is_invocable_r_v<R, F&, Args...>)
    function_ref(F&& f) noexcept  // NOLINT(google-explicit-constructor): converts like a function parameter
        : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
          call_([](void* o, Args... args) -> R {
              return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(args)...);
          }) {}

    R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

private:
    void* object_;
    R (*call_)(void*, Args...);
};

}  // namespace hsync::detail
