# initcheck_set_warnings(target): the project's warning set, as PRIVATE options.
function(initcheck_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor)
  if(INITCHECK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Sanitizers apply to everything built in this project (library, tests, tools).
if(INITCHECK_SANITIZE)
  add_compile_options(-fsanitize=${INITCHECK_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${INITCHECK_SANITIZE})
endif()
