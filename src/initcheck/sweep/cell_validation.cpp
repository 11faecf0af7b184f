#include "initcheck/sweep/cell_validation.hpp"

#include <exception>
#include <map>

#include "initcheck/claims/check.hpp"
#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/request_fields.hpp"
#include "initcheck/core/error.hpp"

namespace initcheck::sweep {

namespace {

/// Throws InputError for a setting the cell's architecture would ignore (RequestField::applies,
/// as `check` refuses --kernel/--spatial without --arch conv and --branch-scale without --arch
/// resnet); a value equal to the default is not a setting (it may come from `defaults` shared by
/// every block).
void refuse_ignored_settings(const claims::CheckRequest& r) {
  for (const claims::RequestField& field : claims::kRequestFields) {
    if (claims::field_applies(field, r) || claims::field_is_default(field, r)) continue;
    const std::string key(field.key);
    switch (field.applies) {
      case claims::Applies::conv:
      case claims::Applies::residual:
      case claims::Applies::transformer:
        throw InputError("'" + key + "' applies only to arch " +
                         std::string(claims::applies_arch(field.applies)) + " (got arch " + r.arch +
                         ")");
      case claims::Applies::without_widths:
        throw InputError("'" + key + "' conflicts with 'widths' (the list sets depth and width)");
      case claims::Applies::always: break;
    }
  }
}

}  // namespace

std::size_t mark_invalid_cells(SweepSpec& spec) {
  std::map<std::string, std::size_t> first_of;  // request without seed -> first cell index
  std::size_t invalid = 0;
  for (std::size_t i = 0; i < spec.cells.size(); ++i) {
    SweepCell& cell = spec.cells[i];
    claims::CheckRequest unseeded = cell.request;
    unseeded.seed = 0;
    const auto [first, added] = first_of.emplace(claims::reproduce_command(unseeded), i);
    try {
      refuse_ignored_settings(cell.request);
      const model::NetworkConfig config = claims::make_network_config(cell.request);
      claims::require_selected_claims_apply(config, claims::make_check_options(cell.request));
      if (!added) {
        const SweepCell& earlier = spec.cells[first->second];
        cell.invalid = "the same configuration as cell " + std::to_string(first->second + 1) +
                       " (line " + std::to_string(earlier.line) + ")";
      }
    } catch (const InputError& e) {
      cell.invalid = e.what();
    } catch (const std::exception&) {
      // A bug, not bad input: the cell stays valid and the runner records it as a failing cell.
    }
    if (!cell.invalid.empty()) ++invalid;
  }
  return invalid;
}

std::string invalid_cell_message(const SweepSpec& spec, std::size_t index) {
  const SweepCell& cell = spec.cells.at(index);
  std::string where = spec.source + ":" + std::to_string(cell.line) + ": cell " +
                      std::to_string(index + 1) + " (" + cell.block;
  if (!cell.values.empty()) where += ": " + cell.values;
  std::string line = where + "): " + cell.invalid;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';  // one line, whatever the file's names hold
  }
  return line;
}

}  // namespace initcheck::sweep
