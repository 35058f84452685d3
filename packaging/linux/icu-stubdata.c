/* An empty ICU data library: ICU's own "stubdata", for ICU 73 as PySide6's Linux wheels ship it.
 *
 * Qt links ICU for locale-aware collation, legacy text codecs and time-zone display names,
 * none of which AlgoMesh Tray uses; its Unicode properties, case mapping and number and date
 * formats come from Qt's own tables and from libicuuc, not from this 31 MB data library.
 * ICU answers data lookups with U_FILE_ACCESS_ERROR instead, and Qt falls back (see the spec).
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

__attribute__((visibility("default"))) const IcuDataHeader ENTRY_POINT(ICU_MAJOR) = {
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
