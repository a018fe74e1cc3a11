# Writes ${OUT} with the build identity: the release version plus the git commit and, when the
# tree has uncommitted changes, a hash of them. Results recorded by sweeps carry this string,
# so a rebuilt simulator that computes different numbers is never mistaken for the old one.
# Run at every build; the file is rewritten only when the identity changes.
set(id "${VERSION}")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=10 HEAD
                  WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE commit
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
  if(rc EQUAL 0 AND commit)
    set(id "${id}+g${commit}")
    execute_process(COMMAND "${GIT_EXECUTABLE}" diff HEAD -- sim models CMakeLists.txt
                    WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE diff ERROR_QUIET)
    if(diff)
      string(SHA1 h "${diff}")
      string(SUBSTRING "${h}" 0 8 h)
      set(id "${id}.dirty${h}")
    endif()
  endif()
endif()
set(content "#pragma once\n#define NPUSIM_BUILD_ID \"${id}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL content)
  file(WRITE "${OUT}" "${content}")
endif()
