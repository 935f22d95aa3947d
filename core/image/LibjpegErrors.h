#pragma once

// libjpeg's error handling for the codecs here (JpegDecoder, ImageEncoder). libjpeg reports an error by
// calling error_exit, which must not return: it longjmps back to the setjmp at the top of the calling
// function, whose frame holds no C++ object with a destructor. Warnings are not printed.
//
// Threading: one ErrorManager per codec object; nothing shared.

#include <csetjmp>
#include <cstdio> // before jpeglib.h, which uses FILE
#include <jpeglib.h>

namespace lens::libjpeg {

struct ErrorManager {
    jpeg_error_mgr pub;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

/// Sets err up (libjpeg's defaults, these two handlers, no message yet) and returns what cinfo.err takes.
inline jpeg_error_mgr* install(ErrorManager& err)
{
    jpeg_std_error(&err.pub);
    err.pub.error_exit = [](j_common_ptr cinfo) {
        auto* self = reinterpret_cast<ErrorManager*>(cinfo->err);
        (*cinfo->err->format_message)(cinfo, self->message);
        std::longjmp(self->jump, 1);
    };
    err.pub.output_message = [](j_common_ptr) {};
    err.message[0] = '\0';
    return &err.pub;
}

} // namespace lens::libjpeg
