# Writes ${OUT}: the files of labctl/ui/assets/ as C++ raw string constants (flowlab::ui::assets::kIndexHtml, ...),
# so `labctl ui` serves one self-contained page with no file to find at run time. Run by CMakeLists.txt at build
# time whenever an asset changes.
set(out "// Generated from labctl/ui/assets/ by embed_assets.cmake — edit the assets, not this file.\n")
string(APPEND out "namespace flowlab::ui::assets {\n")
foreach(pair "kIndexHtml=index.html" "kAppJs=app.js" "kAppCss=app.css")
  string(REPLACE "=" ";" parts "${pair}")
  list(GET parts 0 name)
  list(GET parts 1 file)
  file(READ "${ASSETS}/${file}" text)
  if(text MATCHES "\\)flowlab_asset\"")
    message(FATAL_ERROR "${file} contains the raw string delimiter )flowlab_asset\"")
  endif()
  string(APPEND out "extern const char* const ${name};\nconst char* const ${name} = R\"flowlab_asset(${text})flowlab_asset\";\n")
endforeach()
string(APPEND out "}  // namespace flowlab::ui::assets\n")
file(WRITE "${OUT}.tmp" "${out}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
