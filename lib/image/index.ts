export {
  decodeImage,
  encodePng,
  readPngText,
  sniffImageFormat,
  DEFAULT_MAX_PIXELS,
  type DecodeOptions,
  type EncodePngOptions,
  type ImageFormat,
  type RgbImage,
} from './codec';
export { centerCrop, fitToSize, fitToSquare, greyPlane, imageToTensor, resize, tensorToImage, toUnit, type FitOptions } from './convert';
