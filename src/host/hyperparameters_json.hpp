// Private to the host library: optimizer hyper-parameters as JSON, shared by study.json and
// runs/N.json so both spell them the same way.
#pragma once

#include <nlohmann/json.hpp>

#include "gctrain/config.hpp"

namespace gct::host {

inline nlohmann::json hyperparameters_to_json(const OptimizerParams& p) {
  return nlohmann::json{{"lr", p.lr},       {"momentum", p.momentum}, {"nesterov", p.nesterov},
                        {"alpha", p.alpha}, {"beta1", p.beta1},       {"beta2", p.beta2},
                        {"eps", p.eps},     {"initial_accumulator", p.initial_accumulator},
                        {"weight_decay", p.weight_decay}};
}

// Throws nlohmann::json exceptions on missing or mistyped fields (callers turn them into Status).
inline OptimizerParams hyperparameters_from_json(const nlohmann::json& j) {
  OptimizerParams p;
  p.lr = j.at("lr").get<float>();
  p.momentum = j.at("momentum").get<float>();
  p.nesterov = j.at("nesterov").get<bool>();
  p.alpha = j.at("alpha").get<float>();
  p.beta1 = j.at("beta1").get<float>();
  p.beta2 = j.at("beta2").get<float>();
  p.eps = j.at("eps").get<float>();
  p.initial_accumulator = j.at("initial_accumulator").get<float>();
  p.weight_decay = j.at("weight_decay").get<float>();
  return p;
}

}  // namespace gct::host
