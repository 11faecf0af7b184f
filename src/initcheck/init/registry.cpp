#include "initcheck/init/registry.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace initcheck::init {
namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || (std::isalpha(static_cast<unsigned char>(s[0])) == 0 && s[0] != '_')) {
    return false;
  }
  return std::ranges::all_of(
      s, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; });
}

}  // namespace

void SchemeArgs::add_word(std::string key, std::string value) {
  values_.push_back(Value{std::move(key), true, std::move(value), Expr(0.0)});
}

void SchemeArgs::add_number(std::string key, Expr value) {
  values_.push_back(Value{std::move(key), false, {}, std::move(value)});
}

const std::string& SchemeArgs::word(std::string_view key) const {
  for (const Value& v : values_) {
    if (v.key == key && v.is_word) return v.word;
  }
  throw std::out_of_range("scheme '" + scheme_ + "' has no word parameter '" + std::string(key) +
                          "'");
}

const Expr& SchemeArgs::number(std::string_view key) const {
  for (const Value& v : values_) {
    if (v.key == key && !v.is_word) return v.number;
  }
  throw std::out_of_range("scheme '" + scheme_ + "' has no number parameter '" + std::string(key) +
                          "'");
}

std::string SchemeArgs::canonical() const {
  if (values_.empty()) return scheme_;
  std::string out = scheme_ + "(";
  for (std::size_t i = 0; i < values_.size(); ++i) {
    if (i > 0) out += ", ";
    out += values_[i].key + "=" + (values_[i].is_word ? values_[i].word : values_[i].number.text());
  }
  return out + ")";
}

void Registry::add(SchemeInfo info, SchemeFactory factory) {
  if (!is_identifier(info.name)) {
    throw std::invalid_argument("init scheme name '" + info.name + "' is not an identifier");
  }
  if (find(info.name) != nullptr) {
    throw std::invalid_argument("init scheme '" + info.name + "' is already registered");
  }
  for (const ParamSpec& p : info.params) {
    if (!is_identifier(p.name)) {
      throw std::invalid_argument("parameter name '" + p.name + "' of '" + info.name +
                                  "' is not an identifier");
    }
  }
  if (!factory) throw std::invalid_argument("init scheme '" + info.name + "' has no factory");
  entries_.push_back(Entry{std::move(info), std::move(factory)});
}

void Registry::add(std::shared_ptr<const InitScheme> scheme) {
  if (!scheme) throw std::invalid_argument("Registry::add: null scheme");
  SchemeInfo info{scheme->name(), {}, scheme->formula()};
  add(std::move(info), [scheme = std::move(scheme)](const SchemeArgs& /*args*/) { return scheme; });
}

const SchemeInfo* Registry::find(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.info.name == name) return &e.info;
  }
  return nullptr;
}

std::vector<const SchemeInfo*> Registry::schemes() const {
  std::vector<const SchemeInfo*> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(&e.info);
  return out;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(e.info.name);
  return out;
}

std::shared_ptr<const InitScheme> Registry::create(const SchemeArgs& args) const {
  for (const Entry& e : entries_) {
    if (e.info.name == args.scheme()) return e.factory(args);
  }
  throw std::invalid_argument("init scheme '" + args.scheme() + "' is not registered");
}

}  // namespace initcheck::init
