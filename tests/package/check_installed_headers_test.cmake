# The installed-header check must catch what it was written for: plants a detail/ folder, a
# Boost include and an include of a header that is not installed in a scratch include tree
# (cmake -DCHECK=<check_installed_headers.cmake> -DWORK=<scratch dir> -P this file) and expects
# the check to name all three; the tree without them must pass.
file(REMOVE_RECURSE "${WORK}")
file(WRITE "${WORK}/initcheck/initcheck.hpp" "#pragma once\n#include \"initcheck/core/error.hpp\"\n")
file(WRITE "${WORK}/initcheck/core/error.hpp" "#pragma once\n#include <string>\n")
function(run_check result_var output_var)
  execute_process(COMMAND ${CMAKE_COMMAND} -DINCLUDE_DIR=${WORK} -P ${CHECK}
                  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(${result_var} ${result} PARENT_SCOPE)
  set(${output_var} "${out}${err}" PARENT_SCOPE)
endfunction()
run_check(result output)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the check rejects a clean tree:\n${output}")
endif()
file(WRITE "${WORK}/initcheck/stats/detail/boost_policy.hpp" "#pragma once\n")
file(WRITE "${WORK}/initcheck/stats/quantiles.hpp"
     "#pragma once\n#include <boost/math/distributions/normal.hpp>\n#include \"initcheck/stats/gone.hpp\"\n")
run_check(result output)
if(result EQUAL 0)
  message(FATAL_ERROR "the check passed three planted problems:\n${output}")
endif()
foreach(want "initcheck/stats/detail: internal folder installed"
             "initcheck/stats/quantiles.hpp: includes Boost"
             "includes initcheck/stats/gone.hpp, which is not installed")
  string(FIND "${output}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected '${want}' in:\n${output}")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK}")
message(STATUS "installed-header check: passes a clean tree, names all three planted problems")
