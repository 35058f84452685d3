/* An empty ICU data library: ICU's own "stubdata", for the ICU that PySide6's Linux wheels ship.
 *
 * From this 31 MB data library Qt takes locale collation, legacy text codecs and time-zone
 * display names. AlgoMesh Tray shows none of them: its sorting compares text directly, its text
 * is UTF-8, its times are formatted by Python; case mapping and Unicode properties are built into
 * libicuuc, number and date formats into Qt. With the stub ICU answers data lookups with
 * U_FILE_ACCESS_ERROR (see the spec for what that changes).
 *
 *   cc -shared -fPIC -Wl,-soname,libicudata.so.73 -DICU_MAJOR=73 -o libicudata.so.73 icu-stubdata.c
 */
#include <stdint.h>

#ifndef ICU_MAJOR
#error "define ICU_MAJOR, the ICU major version of the libicuuc being served"
#endif
#define ENTRY_POINT_(major) icudt##major##_dat
#define ENTRY_POINT(major) ENTRY_POINT_(major)

/* The layout of ICU's ICU_Data_Header (icu4c/source/stubdata/stubdata.h). */
typedef struct {
    uint16_t headerSize;
    uint8_t magic1, magic2;
    uint16_t size, reservedWord;
    uint8_t isBigEndian, charsetFamily, sizeofUChar, reservedByte;
    uint8_t dataFormat[4], formatVersion[4], dataVersion[4];
    char padding[8];
    uint32_t count, reserved;
    int fakeNameAndData[4];
} IcuDataHeader;

__attribute__((visibility("default"), aligned(16))) const IcuDataHeader ENTRY_POINT(ICU_MAJOR) = {
    32, 0xda, 0x27,         /* header size and magic, as udata.cpp expects */
    20, 0,                  /* sizeof(UDataInfo) */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    1,
#else
    0,
#endif
    0, 2, 0,                /* ASCII family, 2-byte UChar */
    {0x54, 0x6f, 0x43, 0x50}, /* "ToCP": a table of contents ... */
    {1, 0, 0, 0},
    {0, 0, 0, 0},
    {0},
    0, 0,                   /* ... with no entries */
    {0, 0, 0, 0},
};
