// Private: an arithmetic keeps its own state struct in the opaque storage of a public struct
// (Mlp::arithmetic, OptimizerState::arithmetic) and views it through stored_state<State>().
#pragma once

#include <new>

namespace gct {

template <class State, class Holder>
State& stored_state(Holder& holder) {
  static_assert(sizeof(State) <= sizeof(holder.arithmetic), "the arithmetic's state does not fit its storage");
  static_assert(alignof(State) <= alignof(Holder), "the arithmetic's state needs a stricter alignment");
  return *std::launder(reinterpret_cast<State*>(holder.arithmetic));
}

template <class State, class Holder>
const State& stored_state(const Holder& holder) {
  static_assert(sizeof(State) <= sizeof(holder.arithmetic), "the arithmetic's state does not fit its storage");
  return *std::launder(reinterpret_cast<const State*>(holder.arithmetic));
}

}  // namespace gct
